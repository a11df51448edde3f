package email

import (
	"regexp"
	"strings"

	"github.com/microcosm-cc/bluemonday"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// policy is what survives of a customer's HTML: text formatting, links,
// tables, images and a few harmless inline styles; never scripts, event
// handlers, forms, frames, style sheets or javascript: URLs.
var policy = func() *bluemonday.Policy {
	p := bluemonday.UGCPolicy()
	p.AllowElements("details", "summary", "font", "center")
	p.AllowAttrs("color").OnElements("font")
	p.AllowAttrs("data-parley-quoted").OnElements("details")
	p.AllowAttrs("bgcolor", "align", "valign", "width", "height", "border", "cellpadding", "cellspacing").OnElements("table", "td", "th", "tr", "tbody")
	p.AllowStyles("color", "background-color", "font-weight", "font-style", "font-size", "font-family", "text-align",
		"text-decoration", "margin", "margin-left", "margin-right", "margin-top", "margin-bottom", "padding",
		"padding-left", "padding-right", "padding-top", "padding-bottom", "border", "border-left", "width",
		"height", "line-height", "white-space", "vertical-align", "display").Globally()
	p.AllowURLSchemes("http", "https", "mailto", "cid", "tel")
	p.AllowDataURIImages()
	p.RequireNoFollowOnLinks(true)
	p.RequireNoReferrerOnLinks(true)
	p.AddTargetBlankToFullyQualifiedLinks(true)
	return p
}()

// Sanitize folds quoted history and signatures into <details> elements,
// removes everything unsafe, and blocks remote images (their address moves
// to data-remote-src until an agent allows them; see RenderHTML). It
// returns the safe HTML and how many remote images it blocked.
func Sanitize(raw string) (string, int) {
	doc, err := html.Parse(strings.NewReader(raw))
	if err != nil {
		return "", 0
	}
	body := find(doc, atom.Body)
	if body == nil {
		body = doc
	}
	foldHTML(body)
	var b strings.Builder
	for c := body.FirstChild; c != nil; c = c.NextSibling {
		_ = html.Render(&b, c)
	}
	clean := policy.Sanitize(b.String())
	remote := 0
	out := transformImages(clean, func(img *html.Node) {
		src := attr(img, "src")
		if isRemote(src) {
			removeAttr(img, "src")
			setAttr(img, "data-remote-src", src)
			remote++
		}
	})
	return strings.TrimSpace(out), remote
}

// RenderHTML prepares stored HTML for display: inline images (cid:) point
// at their downloads through cidURL, and blocked remote images come back
// only when allowRemote is set.
func RenderHTML(stored string, allowRemote bool, cidURL func(contentID string) string) string {
	return transformImages(stored, func(img *html.Node) {
		if src := attr(img, "src"); strings.HasPrefix(strings.ToLower(src), "cid:") {
			if u := cidURL(src[4:]); u != "" {
				setAttr(img, "src", u)
			} else {
				removeAttr(img, "src")
			}
		}
		if remote := attr(img, "data-remote-src"); remote != "" && allowRemote && isRemote(remote) {
			setAttr(img, "src", remote)
		}
	})
}

func isRemote(src string) bool {
	s := strings.ToLower(strings.TrimSpace(src))
	return strings.HasPrefix(s, "http:") || strings.HasPrefix(s, "https:") || strings.HasPrefix(s, "//")
}

func transformImages(fragment string, fn func(img *html.Node)) string {
	ctx := &html.Node{Type: html.ElementNode, Data: "div", DataAtom: atom.Div}
	nodes, err := html.ParseFragment(strings.NewReader(fragment), ctx)
	if err != nil {
		return ""
	}
	var b strings.Builder
	for _, n := range nodes {
		walkNodes(n, func(x *html.Node) bool {
			if x.Type == html.ElementNode && x.DataAtom == atom.Img {
				fn(x)
			}
			return true
		})
		_ = html.Render(&b, n)
	}
	return b.String()
}

func walkNodes(n *html.Node, fn func(*html.Node) bool) {
	if !fn(n) {
		return
	}
	for c := n.FirstChild; c != nil; {
		next := c.NextSibling
		walkNodes(c, fn)
		c = next
	}
}

func find(n *html.Node, a atom.Atom) *html.Node {
	var found *html.Node
	walkNodes(n, func(x *html.Node) bool {
		if found != nil {
			return false
		}
		if x.Type == html.ElementNode && x.DataAtom == a {
			found = x
			return false
		}
		return true
	})
	return found
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func setAttr(n *html.Node, key, val string) {
	for i, a := range n.Attr {
		if a.Key == key {
			n.Attr[i].Val = val
			return
		}
	}
	n.Attr = append(n.Attr, html.Attribute{Key: key, Val: val})
}

func removeAttr(n *html.Node, key string) {
	out := n.Attr[:0]
	for _, a := range n.Attr {
		if a.Key != key {
			out = append(out, a)
		}
	}
	n.Attr = out
}

func hasClass(n *html.Node, class string) bool {
	for _, c := range strings.Fields(attr(n, "class")) {
		if c == class {
			return true
		}
	}
	return false
}

// foldKind says whether a node starts quoted history or a signature, and
// whether the siblings after it belong to the fold too (Outlook and
// Thunderbird put the quoted header first and the history after it).
func foldKind(n *html.Node) (fold, withFollowing bool, label string) {
	if n.Type != html.ElementNode {
		return false, false, ""
	}
	id := attr(n, "id")
	switch {
	case hasClass(n, "gmail_signature") || id == "Signature" || hasClass(n, "moz-signature") || hasClass(n, "apple-signature"):
		return true, false, "Signature"
	case hasClass(n, "gmail_quote") || hasClass(n, "gmail_quote_container") || hasClass(n, "yahoo_quoted") || (n.DataAtom == atom.Blockquote && attr(n, "type") == "cite"):
		return true, false, "Quoted text"
	case id == "appendonsend" || id == "divRplyFwdMsg" || hasClass(n, "moz-cite-prefix") || id == "mail-editor-reference-message-container":
		return true, true, "Quoted text"
	}
	return false, false, ""
}

var forwardedHTML = regexp.MustCompile(`(?i)forwarded message|begin forwarded message`)

func foldHTML(root *html.Node) {
	type target struct {
		n         *html.Node
		following bool
		label     string
	}
	// Choose first, then wrap: wrapping while walking would visit the
	// moved siblings again and nest folds inside folds.
	var targets []target
	covered := map[*html.Node]bool{}
	walkNodes(root, func(n *html.Node) bool {
		if covered[n] {
			return false
		}
		fold, following, label := foldKind(n)
		if !fold || forwardedHTML.MatchString(firstText(n, 200)) {
			return true
		}
		targets = append(targets, target{n, following, label})
		for c := n.NextSibling; following && c != nil; c = c.NextSibling {
			covered[c] = true
		}
		return false
	})
	for _, t := range targets {
		details := &html.Node{Type: html.ElementNode, Data: "details", DataAtom: atom.Details,
			Attr: []html.Attribute{{Key: "data-parley-quoted", Val: strings.ToLower(strings.Fields(t.label)[0])}}}
		summary := &html.Node{Type: html.ElementNode, Data: "summary", DataAtom: atom.Summary}
		summary.AppendChild(&html.Node{Type: html.TextNode, Data: t.label})
		details.AppendChild(summary)
		parent := t.n.Parent
		parent.InsertBefore(details, t.n)
		for c := t.n; c != nil; {
			next := c.NextSibling
			parent.RemoveChild(c)
			details.AppendChild(c)
			if !t.following {
				break
			}
			c = next
		}
	}
}

func firstText(n *html.Node, limit int) string {
	var b strings.Builder
	walkNodes(n, func(x *html.Node) bool {
		if b.Len() >= limit {
			return false
		}
		if x.Type == html.TextNode {
			b.WriteString(x.Data)
		}
		return true
	})
	return b.String()
}

// HTMLToText renders HTML as plain text for mail without a text part:
// blocks become lines, quotes get "> " so FoldText can fold them.
func HTMLToText(raw string) string {
	doc, err := html.Parse(strings.NewReader(raw))
	if err != nil {
		return ""
	}
	var b strings.Builder
	textOf(doc, &b)
	lines := strings.Split(b.String(), "\n")
	out := make([]string, 0, len(lines))
	blank := 0
	for _, l := range lines {
		l = strings.TrimRight(strings.Join(strings.Fields(l), " "), " ")
		if l == "" {
			blank++
			if blank > 1 {
				continue
			}
		} else {
			blank = 0
		}
		out = append(out, l)
	}
	return strings.TrimSpace(strings.Join(out, "\n"))
}

func textOf(n *html.Node, b *strings.Builder) {
	switch n.Type {
	case html.TextNode:
		b.WriteString(strings.ReplaceAll(n.Data, "\n", " "))
		return
	case html.ElementNode:
		switch n.DataAtom {
		case atom.Script, atom.Style, atom.Head, atom.Title:
			return
		case atom.Br:
			b.WriteString("\n")
			return
		case atom.Blockquote:
			var inner strings.Builder
			for c := n.FirstChild; c != nil; c = c.NextSibling {
				textOf(c, &inner)
			}
			b.WriteString("\n")
			for _, l := range strings.Split(strings.TrimSpace(inner.String()), "\n") {
				b.WriteString("> " + strings.TrimSpace(l) + "\n")
			}
			return
		case atom.Li:
			b.WriteString("\n- ")
		case atom.P, atom.Div, atom.Tr, atom.H1, atom.H2, atom.H3, atom.H4, atom.Table, atom.Ul, atom.Ol, atom.Hr:
			b.WriteString("\n")
		case atom.A:
			// Links keep their target when the text does not show it.
			var inner strings.Builder
			for c := n.FirstChild; c != nil; c = c.NextSibling {
				textOf(c, &inner)
			}
			b.WriteString(inner.String())
			if href := attr(n, "href"); strings.HasPrefix(href, "http") && !strings.Contains(inner.String(), href) {
				b.WriteString(" (" + href + ")")
			}
			return
		}
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		textOf(c, b)
	}
	if n.Type == html.ElementNode {
		switch n.DataAtom {
		case atom.P, atom.Div, atom.Tr, atom.H1, atom.H2, atom.H3, atom.H4, atom.Table:
			b.WriteString("\n")
		case atom.Td, atom.Th:
			b.WriteString(" ")
		}
	}
}
