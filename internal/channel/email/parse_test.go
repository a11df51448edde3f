package email

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// golden is what Parley must make of one file in testdata: each field, if
// set, is checked; text fields are "contains" checks so the table reads as
// what an agent sees.
type golden struct {
	file        string
	subject     string
	from        string
	fromName    string
	text        []string
	notText     []string
	quoted      []string
	html        []string
	notHTML     []string
	attachments []string
	inline      int
	tooLarge    int
	remote      int
	auto        bool
	hashKey     bool
	problems    bool
	inReplyTo   string
}

var corpus = []golden{
	{file: "gmail_plain.eml", subject: "My order #4411 has not arrived", from: "ana.souza@gmail.com", fromName: "Ana Souza",
		text: []string{"order #4411", "Thanks,\nAna"}, html: []string{"hasn&#39;t arrived"}},
	{file: "gmail_reply_quoted.eml", subject: "Re: [#101] My order #4411 has not arrived", inReplyTo: "parley.101.abc@acme.test",
		text: []string{"tracking link works now"}, notText: []string{"wrote:", "warehouse"},
		quoted: []string{"wrote:", "> Hello Ana"}, html: []string{`<details data-parley-quoted="quoted">`, "warehouse yesterday"}},
	{file: "gmail_wrapped_attribution.eml", text: []string{"corrected invoice"}, notText: []string{"VAT"}, quoted: []string{"Long Name <\nsupport@acme.test> wrote:"}},
	{file: "gmail_signature.eml", text: []string{"yearly plan"}, notText: []string{"Mendes Studio"}, quoted: []string{"-- \nCarla Mendes"},
		html: []string{`data-parley-quoted="signature"`}},
	{file: "gmail_inline_image.eml", attachments: []string{"screenshot.png"}, inline: 1, html: []string{`src="cid:ii_m1abc123"`}},
	{file: "gmail_attachment_pdf.eml", attachments: []string{"receipt-4411.pdf"}, text: []string{"receipt you asked for"}},
	{file: "outlook_reply_cp1252.eml", subject: "RE: Invoice", text: []string{"€120", "“Pro”", "€100 – can"}, notText: []string{"Dear Emma"},
		quoted: []string{"Sent: Tuesday", "Dear Emma"}, html: []string{"€120", `<details data-parley-quoted="quoted"><summary>Quoted text</summary><div id="appendonsend">`},
		notHTML: []string{"MsoNormal {"}},
	{file: "outlook_original_message.eml", text: []string{"send a new one?\n\nFrank"}, quoted: []string{"-----Original Message-----"}, notText: []string{"reset link."}},
	{file: "outlook_html_only.eml", text: []string{"When I click Export the page goes blank.", "- Chrome 131"}, html: []string{"<b>Export</b>", "<li>Windows 11</li>", `data-parley-quoted="signature"`},
		notHTML: []string{"<style", "font-family:Calibri}"}},
	{file: "apple_mail_reply.eml", text: []string{"Friday morning is fine for me."}, notText: []string{"delivery window"},
		quoted: []string{"> On 5 Mar 2026"}, html: []string{`<details data-parley-quoted="quoted"><summary>Quoted text</summary><blockquote>`}},
	{file: "apple_mail_iphone.eml", text: []string{"Can I get a replacement?"}, notText: []string{"iPhone"}, quoted: []string{"Sent from my iPhone"}},
	{file: "forwarded_gmail.eml", text: []string{"charged twice", "Forwarded message", "Order 9001"}, html: []string{"Order 9001"}, notHTML: []string{"<details"}},
	{file: "forwarded_chain_apple.eml", text: []string{"can you help?", "Begin forwarded message:", "Lars Lund", "W-778"}},
	{file: "forwarded_as_attachment.eml", text: []string{"still accurate?"}, attachments: []string{"Shipping delayed.eml"}},
	{file: "iso_8859_1.eml", subject: "Paket nicht angekommen – München", fromName: "Jürgen Weiß", text: []string{"Könnten Sie", "Grüße aus München"}},
	{file: "windows_1252_undeclared.eml", text: []string{"« Pro » coûte 30€ – pourquoi", "Loïc"}},
	{file: "shift_jis.eml", subject: "商品が届きません", fromName: "山田 花子", text: []string{"注文番号 7788 の商品がまだ届いていません。"}},
	{file: "koi8_r.eml", subject: "Повреждённый заказ", fromName: "Иван Петров", text: []string{"Мой заказ 5512 пришёл повреждённым."}},
	{file: "utf8_base64_emoji.eml", subject: "Danke! 🎉", text: []string{"vielen Dank! 🎉☕"}},
	{file: "broken_boundary.eml", text: []string{"times out"}, attachments: []string{"log.txt"}, problems: true},
	{file: "broken_no_boundary.eml", text: []string{"Where is my refund?"}, problems: true},
	{file: "broken_unknown_charset.eml", text: []string{"cancel my subscription"}, problems: true},
	{file: "broken_headers.eml", from: "paula@rivera.example", hashKey: true, text: []string{"account is locked"}},
	{file: "calendar_invite.eml", text: []string{"Calendar invitation: Onboarding call with Acme"}, attachments: []string{"invite.ics", "invite.ics"}},
	{file: "bounce_dsn.eml", from: "mailer-daemon@mx.acme.test", auto: true, text: []string{"User unknown"},
		attachments: []string{"delivery-status.txt", "original-headers.txt"}},
	{file: "bounce_postmaster_plain.eml", auto: true, text: []string{"mailbox full"}},
	{file: "autoreply_outlook.eml", auto: true, subject: "Automatic reply: [#77] Your request", inReplyTo: "parley.77.qqq@acme.test"},
	{file: "autoreply_precedence_bulk.eml", auto: true},
	{file: "list_mail.eml", auto: true},
	{file: "huge_attachment.eml", attachments: []string{"server.log.gz", "summary.txt"}, tooLarge: 1, text: []string{"full log is attached"}},
	{file: "hostile_html.eml", remote: 1, text: []string{"the docs (https://docs.example/help)"},
		html:    []string{`data-remote-src="https://evil.example/track.gif?u=1"`, `href="https://docs.example/help"`, `<div style="color: red">styled</div>`},
		notHTML: []string{"<script", "alert", "onerror", "onload", "javascript:", "<iframe", "<form", "<input", "background", "data:text/html", ` src="https://`}},
	{file: "thunderbird_reply.eml", text: []string{"The part arrived, thank you."}, notText: []string{"shipped"}, quoted: []string{"> We have shipped"},
		html: []string{`<details data-parley-quoted="quoted"><summary>Quoted text</summary><div>On 10/03/2026`}},
	{file: "attachment_rfc2231_filename.eml", attachments: []string{"résumé.pdf"}, text: []string{"my résumé"}},
	{file: "path_traversal_filename.eml", attachments: []string{"passwd"}},
	{file: "subject_token_reply.eml", subject: "Re: [#42] Refund request (new subject from my phone)"},
	{file: "yahoo_reply.eml", text: []string{"printed the label"}, notText: []string{"return label"}, html: []string{`data-parley-quoted="quoted"`}},
	{file: "german_outlook_reply.eml", text: []string{"Donnerstag passt."}, notText: []string{"Passt Ihnen"}, quoted: []string{"Von: Acme Support", "Gesendet:"}},
}

func TestGoldenCorpus(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.eml")
	if len(files) < 30 || len(files) != len(corpus) {
		t.Fatalf("%d files in testdata, %d rows in the table: every file needs a row", len(files), len(corpus))
	}
	for _, g := range corpus {
		t.Run(g.file, func(t *testing.T) {
			raw, err := os.ReadFile(filepath.Join("testdata", g.file))
			if err != nil {
				t.Fatal(err)
			}
			p, err := Parse(raw, ParseOptions{MaxAttachmentBytes: 100_000})
			if err != nil {
				t.Fatal(err)
			}
			check := func(what, got, want string) {
				t.Helper()
				if want != "" && got != want {
					t.Errorf("%s = %q, want %q", what, got, want)
				}
			}
			check("subject", p.Subject, g.subject)
			check("from", p.FromEmail, g.from)
			check("from name", p.FromName, g.fromName)
			if p.FromEmail == "" {
				t.Error("no From address")
			}
			contains(t, "text", p.Text, g.text, true)
			contains(t, "text", p.Text, g.notText, false)
			contains(t, "quoted", p.Quoted, g.quoted, true)
			contains(t, "html", p.HTML, g.html, true)
			contains(t, "html", p.HTML, g.notHTML, false)
			if strings.TrimSpace(p.Text) == "" {
				t.Error("empty text")
			}
			var names []string
			inline, large := 0, 0
			for _, a := range p.Attachments {
				names = append(names, a.Filename)
				if a.Inline {
					inline++
				}
				if a.TooLarge {
					large++
					if a.Data != nil {
						t.Errorf("%s is over the limit but its data was kept", a.Filename)
					}
				} else if int64(len(a.Data)) != a.Size {
					t.Errorf("%s: %d bytes kept, size says %d", a.Filename, len(a.Data), a.Size)
				}
			}
			if strings.Join(names, ",") != strings.Join(g.attachments, ",") {
				t.Errorf("attachments %q, want %q", names, g.attachments)
			}
			if inline != g.inline || large != g.tooLarge || p.RemoteImages != g.remote {
				t.Errorf("inline %d, too large %d, remote images %d; want %d, %d, %d", inline, large, p.RemoteImages, g.inline, g.tooLarge, g.remote)
			}
			if p.Auto != g.auto {
				t.Errorf("auto = %v (%s), want %v", p.Auto, p.AutoReason, g.auto)
			}
			if strings.HasPrefix(p.Key, "sha256:") != g.hashKey || p.Key == "" {
				t.Errorf("key %q; want a content hash: %v", p.Key, g.hashKey)
			}
			if (len(p.Problems) > 0) != g.problems {
				t.Errorf("problems %q, want some: %v", p.Problems, g.problems)
			}
			if g.inReplyTo != "" && (len(p.InReplyTo) == 0 || p.InReplyTo[0] != g.inReplyTo) {
				t.Errorf("In-Reply-To %q, want %q", p.InReplyTo, g.inReplyTo)
			}
		})
	}
}

func contains(t *testing.T, what, got string, wants []string, want bool) {
	t.Helper()
	for _, w := range wants {
		if strings.Contains(got, w) != want {
			t.Errorf("%s contains %q = %v, want %v; %s is:\n%s", what, w, !want, want, what, got)
		}
	}
}

func TestContentKeyIgnoresRelayHeaders(t *testing.T) {
	raw, _ := os.ReadFile("testdata/broken_headers.eml")
	a, _ := Parse(raw, ParseOptions{})
	b, _ := Parse(append([]byte("Received: from relay2.example by mx\r\n"), raw...), ParseOptions{})
	if a.Key != b.Key {
		t.Fatalf("a relay's Received header changed the key: %s vs %s", a.Key, b.Key)
	}
}

func TestRenderHTML(t *testing.T) {
	stored, remote := Sanitize(`<p>Hi</p><img src="https://cdn.example/logo.png"><img src="cid:logo@x">`)
	if remote != 1 {
		t.Fatalf("remote = %d", remote)
	}
	cid := func(id string) string { return "/attachments/9?cid=" + id }
	blocked := RenderHTML(stored, false, cid)
	if strings.Contains(blocked, ` src="https://cdn.example`) || !strings.Contains(blocked, `src="/attachments/9?cid=logo@x"`) {
		t.Fatalf("blocked render: %s", blocked)
	}
	allowed := RenderHTML(stored, true, cid)
	if !strings.Contains(allowed, `src="https://cdn.example/logo.png"`) {
		t.Fatalf("allowed render: %s", allowed)
	}
}

func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.eml")
	for _, name := range files {
		if raw, err := os.ReadFile(name); err == nil && len(raw) < 10_000 {
			f.Add(raw)
		}
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		p, err := Parse(raw, ParseOptions{MaxAttachmentBytes: 1000})
		if err != nil {
			return
		}
		if p.Key == "" {
			t.Fatal("parsed message without a key")
		}
		for _, bad := range []string{"<script", "javascript:", "onerror="} {
			if strings.Contains(strings.ToLower(p.HTML), bad) {
				t.Fatalf("sanitised HTML contains %s: %s", bad, p.HTML)
			}
		}
	})
}
