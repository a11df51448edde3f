package conversation_test

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/parley-hq/parley/internal/apperr"
	"github.com/parley-hq/parley/internal/contact"
	"github.com/parley-hq/parley/internal/conversation"
	"github.com/parley-hq/parley/internal/model"
	"github.com/parley-hq/parley/internal/store"
	"github.com/parley-hq/parley/internal/testutil"
)

// searchData is a small helpdesk with distinct words to find.
type searchData struct {
	e                                *testutil.Env
	admin, agent                     model.Actor
	invoice, refund, shipping, other int64
	invoiceMsg                       int64
}

func newSearchData(t *testing.T, e *testutil.Env) *searchData {
	t.Helper()
	d := &searchData{e: e}
	d.admin = e.User(t, "admin@example.com", model.RoleAdmin)
	d.agent = e.User(t, "agent@example.com", model.RoleAgent)
	inbox := e.Inbox(t, "Support", model.ChannelAPI, d.agent)
	hidden := e.Inbox(t, "Private", model.ChannelAPI)
	mk := func(inbox int64, email, name, subject, body string) int64 {
		c, err := e.Conversations.Create(ctx, d.admin, conversation.CreateRequest{InboxID: inbox,
			Contact: contact.Ref{Email: email, Name: name}, Subject: subject,
			Message: conversation.MessageRequest{Body: body, Direction: "incoming"}})
		testutil.NoErr(t, err)
		return c.ID
	}
	d.invoice = mk(inbox, "jo@example.com", "Jo Bloggs", "Question", "Hello, my invoice has the wrong address <b>again</b>.")
	m, err := e.Conversations.AddMessage(ctx, d.admin, d.invoice, conversation.MessageRequest{Body: "Also the invoice total is off.", Direction: "incoming"})
	testutil.NoErr(t, err)
	d.invoiceMsg = m.ID
	d.refund = mk(inbox, "sam@example.org", "Sam Smith", "Refund for order 1001", "Please send my money back.")
	d.shipping = mk(inbox, "kim@example.net", "Kim Lee", "Where is my parcel?", "Shipping takes forever; no invoice either.")
	d.other = mk(hidden, "zed@example.com", "Zed", "Secret invoice", "invoice invoice invoice")
	return d
}

func (d *searchData) find(t *testing.T, actor model.Actor, query string) []model.Conversation {
	t.Helper()
	q, _ := url.ParseQuery(query)
	f, err := d.e.Conversations.ParseFilter(ctx, actor, q)
	testutil.NoErr(t, err)
	p, err := d.e.Conversations.List(ctx, actor, f)
	testutil.NoErr(t, err)
	return p.Items
}

func ids(cs []model.Conversation) []int64 {
	var out []int64
	for _, c := range cs {
		out = append(out, c.ID)
	}
	slices.Sort(out)
	return out
}

func TestKeywordSearch(t *testing.T) {
	testutil.Each(t, func(t *testing.T, e *testutil.Env) {
		d := newSearchData(t, e)
		cases := []struct {
			query string
			want  []int64
		}{
			{"q=invoice", []int64{d.invoice, d.shipping}},
			{"q=INVOICE+-shipping", []int64{d.invoice}},
			// Exclusion is per conversation: Jo's contact matches "jo", so
			// Jo's conversation goes, although its messages do not say "jo".
			{"q=invoice+-jo", []int64{d.shipping}},
			{"q=refund+OR+parcel", []int64{d.refund, d.shipping}},
			{"q=ship*", []int64{d.shipping}},
			{`q="wrong+address"`, []int64{d.invoice}},
			{`q="address+wrong"`, nil},
			{"q=jo@example.com", []int64{d.invoice}},
			{"q=smith", []int64{d.refund}},
			{"q=1001", []int64{d.refund}},
			{"q=invoice&status=resolved", nil},
			{"q=invoice&status=new&sort=-created", []int64{d.invoice, d.shipping}},
			{"q=nothingmatchesthis", nil},
		}
		// Every way a search runs gives the same answers: collecting the
		// matches first and looking each up (few matches), collecting them
		// and walking the list testing each against them (thousands;
		// forced here with a lookup limit of 0), and walking the list
		// testing each conversation's messages (many; forced with a
		// candidate limit of 0).
		for _, tuning := range []store.SearchTuning{store.DefaultSearchTuning,
			{CandidateLimit: store.DefaultSearchTuning.CandidateLimit, RelevanceWindow: store.DefaultSearchTuning.RelevanceWindow, LookupLimit: 0},
			{CandidateLimit: 0, RelevanceWindow: store.DefaultSearchTuning.RelevanceWindow}} {
			e.Store.Search = tuning
			limit := fmt.Sprintf("%+v", tuning)
			for _, c := range cases {
				if got := ids(d.find(t, d.agent, c.query)); !slices.Equal(got, c.want) {
					t.Errorf("tuning %s: %s as an agent: %v, want %v", limit, c.query, got, c.want)
				}
			}
			// An admin also finds the conversation of the inbox the agent is not in.
			if got := ids(d.find(t, d.admin, "q=invoice")); !slices.Equal(got, []int64{d.invoice, d.shipping, d.other}) {
				t.Errorf("tuning %s: admin search: %v", limit, got)
			}
			// Newest first: the list's order, also when searching.
			got := d.find(t, d.admin, "q=invoice&sort=-last_activity")
			if len(got) != 3 || got[0].ID != d.other || got[2].ID != d.invoice {
				t.Errorf("tuning %s: newest first: %v", limit, got)
			}
			for _, c := range got {
				if c.Match == nil || !strings.Contains(c.Match.Snippet, "<mark>") {
					t.Errorf("tuning %s: #%d has no highlighted snippet: %+v", limit, c.ID, c.Match)
				}
			}
		}
	})
}

// Ranking scores the newest matches of each kind; with a window of one,
// only the newest matching message, subject and contact take part.
func TestRelevanceWindow(t *testing.T) {
	testutil.Each(t, func(t *testing.T, e *testutil.Env) {
		d := newSearchData(t, e)
		e.Store.Search.RelevanceWindow = 1
		// "invoice": messages of #invoice (two), #shipping and #other; the
		// subject of #other. The newest message and subject are #other's.
		if got := ids(d.find(t, d.admin, "q=invoice&sort=relevance")); !slices.Equal(got, []int64{d.other}) {
			t.Errorf("window 1: %v, want only #%d", got, d.other)
		}
		e.Store.Search.RelevanceWindow = store.DefaultSearchTuning.RelevanceWindow
		if got := ids(d.find(t, d.admin, "q=invoice&sort=relevance")); !slices.Equal(got, []int64{d.invoice, d.shipping, d.other}) {
			t.Errorf("default window: %v", got)
		}
	})
}

func TestSearchSnippetsAndRanking(t *testing.T) {
	testutil.Each(t, func(t *testing.T, e *testutil.Env) {
		d := newSearchData(t, e)
		got := d.find(t, d.admin, "q=invoice&sort=relevance")
		if len(got) != 3 || got[0].Match.Rank <= 0 {
			t.Fatalf("ranked search: %+v", got)
		}
		for i := 1; i < len(got); i++ {
			if got[i-1].Match.Rank < got[i].Match.Rank {
				t.Fatalf("results are not in relevance order: %d before %d", got[i-1].Match.Rank, got[i].Match.Rank)
			}
		}
		var hit *model.Conversation
		for i := range got {
			if got[i].ID == d.invoice {
				hit = &got[i]
			}
		}
		if hit == nil || hit.Match.MessageID == nil {
			t.Fatalf("no message match for #%d: %+v", d.invoice, hit)
		}
		if !strings.Contains(hit.Match.Snippet, "<mark>invoice</mark>") {
			t.Errorf("snippet %q does not highlight the word", hit.Match.Snippet)
		}
		if strings.Contains(hit.Match.Snippet, "<b>") {
			t.Errorf("snippet %q lets customer HTML through", hit.Match.Snippet)
		}
		// Walking the relevance order a page at a time gives each result once.
		var seen []int64
		q := url.Values{"q": {"invoice"}, "sort": {"relevance"}, "limit": {"1"}}
		for range 10 {
			f, err := e.Conversations.ParseFilter(ctx, d.admin, q)
			testutil.NoErr(t, err)
			p, err := e.Conversations.List(ctx, d.admin, f)
			testutil.NoErr(t, err)
			for _, c := range p.Items {
				seen = append(seen, c.ID)
			}
			if p.NextCursor == "" {
				break
			}
			q.Set("cursor", p.NextCursor)
		}
		slices.Sort(seen)
		if !slices.Equal(seen, []int64{d.invoice, d.shipping, d.other}) {
			t.Fatalf("paging by relevance saw %v", seen)
		}
	})
}

func TestSearchSyntaxErrors(t *testing.T) {
	testutil.Each(t, func(t *testing.T, e *testutil.Env) {
		d := newSearchData(t, e)
		for _, query := range []string{`q="unclosed`, `q=-only`, `q=OR`, `q=a+OR`, "sort=relevance"} {
			q, _ := url.ParseQuery(query)
			if _, err := e.Conversations.ParseFilter(ctx, d.agent, q); apperr.KindOf(err) != apperr.KindInvalid {
				t.Errorf("%s: %v, want a validation error", query, err)
			}
		}
	})
}

// Messages that move (merge, split) or are rewritten (contact erasure)
// are found where they are now, in every way a search runs; on
// PostgreSQL the walk first tests each conversation's set of words
// (conversation_words), so a set missing a moved word would hide it, and
// an erased customer's words must leave the set too.
func TestSearchAfterMergeSplitAndErasure(t *testing.T) {
	testutil.Each(t, func(t *testing.T, e *testutil.Env) {
		d := newSearchData(t, e)
		tunings := []store.SearchTuning{store.DefaultSearchTuning,
			{CandidateLimit: 0, RelevanceWindow: store.DefaultSearchTuning.RelevanceWindow}}
		check := func(step string, cases map[string][]int64) {
			t.Helper()
			for _, tuning := range tunings {
				e.Store.Search = tuning
				for query, want := range cases {
					if got := ids(d.find(t, d.admin, query)); !slices.Equal(got, want) {
						t.Errorf("%s, candidate limit %d: %s: %v, want %v", step, tuning.CandidateLimit, query, got, want)
					}
				}
			}
		}
		// A conversation without messages has no set.
		words := func(id int64) []string {
			t.Helper()
			ws, _, err := e.Store.ConversationWords(ctx, id)
			testutil.NoErr(t, err)
			return ws
		}
		has := func(id int64, word string) bool { return slices.Contains(words(id), word) }

		// Merge: Sam's "money back" now lives in the shipping conversation.
		_, err := e.Conversations.Merge(ctx, d.admin, d.refund, d.shipping)
		testutil.NoErr(t, err)
		check("after the merge", map[string][]int64{
			"q=money":        {d.shipping},
			`q="money+back"`: {d.shipping},
			// The conversation has both words, no one message does.
			"q=money+forever":         nil,
			"q=back+forever":          nil,
			"q=mon*&status=new":       {d.shipping},
			"q=invoice+-money":        {d.invoice, d.other},
			"q=forever&status=closed": nil,
		})
		if e.Dialect == "postgres" && (!has(d.shipping, "money") || has(d.refund, "money")) {
			t.Errorf("after the merge the sets are %v (target) and %v (merged away)", words(d.shipping), words(d.refund))
		}

		// Split: the second invoice message moves to a new conversation.
		split, err := e.Conversations.Split(ctx, d.admin, d.invoice, []int64{d.invoiceMsg})
		testutil.NoErr(t, err)
		check("after the split", map[string][]int64{
			"q=total":           {split.ID},
			`q="invoice+total"`: {split.ID},
			"q=wrong+address":   {d.invoice},
			"q=wrong+total":     nil, // now in two conversations
		})
		if e.Dialect == "postgres" && (!has(split.ID, "total") || has(d.invoice, "total")) {
			t.Errorf("after the split the sets are %v (new) and %v (source)", words(split.ID), words(d.invoice))
		}

		// Erasure: what Jo wrote becomes "[erased]", in both of Jo's
		// conversations, and leaves the sets of words.
		c, err := e.Conversations.Get(ctx, d.admin, d.invoice)
		testutil.NoErr(t, err)
		_, err = e.Contacts.Erase(ctx, d.admin, c.Contact.ID, contact.EraseRequest{Reason: "customer's request"})
		testutil.NoErr(t, err)
		check("after the erasure", map[string][]int64{
			"q=address": nil,
			"q=total":   nil,
			"q=invoice": {d.shipping, d.other},
		})
		if e.Dialect == "postgres" {
			for _, id := range []int64{d.invoice, split.ID} {
				if ws := words(id); slices.Contains(ws, "address") || slices.Contains(ws, "total") || !slices.Contains(ws, "erased") {
					t.Errorf("after the erasure #%d keeps the words %v", id, ws)
				}
			}
		}
	})
}

// A walk reads the list a chunk at a time (on PostgreSQL, growing chunks):
// a word in one conversation of 90 is found in all 900, in the list's
// order, each once, whether a page asks for all of them or pages through.
func TestSearchWalksManyChunks(t *testing.T) {
	testutil.Each(t, func(t *testing.T, e *testutil.Env) {
		admin := e.User(t, "admin@example.com", model.RoleAdmin)
		inbox := e.Inbox(t, "Support", model.ChannelAPI)
		var want []int64
		for i := range 900 {
			body := fmt.Sprintf("Message number %d about nothing much.", i)
			if i%90 == 45 {
				body = fmt.Sprintf("Message number %d: the needle is here.", i)
			}
			c, err := e.Conversations.Create(ctx, admin, conversation.CreateRequest{InboxID: inbox,
				Contact: contact.Ref{Email: fmt.Sprintf("c%d@example.com", i)}, Subject: fmt.Sprintf("Conversation %d", i),
				Message: conversation.MessageRequest{Body: body, Direction: "incoming"}})
			testutil.NoErr(t, err)
			if i%90 == 45 {
				want = append(want, c.ID)
			}
		}
		slices.Reverse(want) // newest first
		e.Store.Search = store.SearchTuning{CandidateLimit: 0, RelevanceWindow: store.DefaultSearchTuning.RelevanceWindow}
		list := func(q url.Values) conversation.Page {
			t.Helper()
			f, err := e.Conversations.ParseFilter(ctx, admin, q)
			testutil.NoErr(t, err)
			p, err := e.Conversations.List(ctx, admin, f)
			testutil.NoErr(t, err)
			return p
		}
		var got []int64
		for _, c := range list(url.Values{"q": {"needle"}, "sort": {"-created"}, "limit": {"50"}}).Items {
			got = append(got, c.ID)
		}
		if !slices.Equal(got, want) {
			t.Fatalf("one page: %v, want %v", got, want)
		}
		got = nil
		q := url.Values{"q": {`"the needle"`}, "sort": {"-created"}, "limit": {"3"}}
		for range 10 {
			p := list(q)
			for _, c := range p.Items {
				got = append(got, c.ID)
			}
			if p.NextCursor == "" {
				break
			}
			q.Set("cursor", p.NextCursor)
		}
		if !slices.Equal(got, want) {
			t.Fatalf("pages of 3: %v, want %v", got, want)
		}
	})
}
