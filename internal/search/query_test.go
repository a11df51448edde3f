package search

import (
	"testing"

	"github.com/parley-hq/parley/internal/apperr"
)

func TestParse(t *testing.T) {
	cases := []struct {
		in, fts5, tsq string
	}{
		{`refund`, `"refund"`, `((refund))`},
		{`Refund  ORDER`, `"refund" AND "order"`, `((refund)) & ((order))`},
		{`"wrong address"`, `"wrong address"`, `((wrong <-> address))`},
		{`ship*`, `"ship"*`, `((ship:*))`},
		{`refund OR chargeback`, `("refund" OR "chargeback")`, `((refund) | (chargeback))`},
		{`invoice -paid`, `("invoice") NOT ("paid")`, `((invoice)) & !(paid)`},
		{`jo@example.com`, `"jo example com"`, `((jo <-> example <-> com))`},
		{`café "it's"`, `"café" AND "it s"`, `((café)) & ((it <-> s))`},
		{`a"b`, ``, ``}, // an unclosed quote
	}
	for _, c := range cases {
		q, err := Parse(c.in)
		if c.fts5 == "" {
			if apperr.KindOf(err) != apperr.KindInvalid {
				t.Errorf("Parse(%q): %v, want a validation error", c.in, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("Parse(%q): %v", c.in, err)
			continue
		}
		if got := q.FTS5(); got != c.fts5 {
			t.Errorf("Parse(%q).FTS5() = %s, want %s", c.in, got, c.fts5)
		}
		if got := q.TSQuery(); got != c.tsq {
			t.Errorf("Parse(%q).TSQuery() = %s, want %s", c.in, got, c.tsq)
		}
	}
}

func TestParseRefusals(t *testing.T) {
	for _, in := range []string{``, `   `, `-spam`, `OR refund`, `refund OR`, `refund OR -x`, `"unclosed`, `!!!`, string(make([]byte, 201))} {
		if _, err := Parse(in); apperr.KindOf(err) != apperr.KindInvalid {
			t.Errorf("Parse(%q): %v, want a validation error", in, err)
		}
	}
}

func TestMatcher(t *testing.T) {
	cases := []struct {
		query, text string
		want        bool
	}{
		{"invoice", "My Invoice is wrong", true},
		{"invoice", "invoices", false},
		{"invoice*", "invoices", true},
		{"cancel subscription", "please cancel my subscription", true},
		{"cancel subscription", "please cancel", false},
		{`"tracking number"`, "the tracking number is", true},
		{`"tracking number"`, "number tracking", false},
		{"refund OR chargeback", "a chargeback", true},
		{"refund OR chargeback", "nothing", false},
		{"E-217", "error e-217 again", true},
		{"jo@example.com", "Jo Bloggs jo@example.com", true},
		{"ÉTÉ", "un été chaud", true},
	}
	for _, c := range cases {
		q, err := Parse(c.query)
		if err != nil {
			t.Fatal(err)
		}
		if got := q.Positive().Matcher().Match(c.text); got != c.want {
			t.Errorf("%q in %q: %v, want %v", c.query, c.text, got, c.want)
		}
	}
}

func TestSnippet(t *testing.T) {
	cases := []struct {
		query, text, want string
		ok                bool
	}{
		{"invoice", "Hello, my Invoice is wrong.", "Hello, my [Invoice] is wrong.", true},
		{`"wrong address"`, "the wrong address, not the wrong one", "the [wrong] [address], not the wrong one", true},
		{"ship*", "shipping and shipped", "[shipping] and [shipped]", true},
		{"refund", "nothing here", "", false},
		{"cancel subscription", "one two three four five six seven eight cancel nine ten subscription eleven twelve",
			"…six seven eight [cancel] nine ten [subscription] eleven twelve", true},
	}
	for _, c := range cases {
		q, err := Parse(c.query)
		if err != nil {
			t.Fatal(err)
		}
		got, ok := q.Positive().Matcher().Snippet(c.text, "[", "]", 9)
		if got != c.want || ok != c.ok {
			t.Errorf("%q in %q: %q %v, want %q %v", c.query, c.text, got, ok, c.want, c.ok)
		}
	}
}

// The words query loosens phrases to all their words and leaves out
// exclusions: whatever matches the query, a set holding its words passes.
func TestWordsTSQuery(t *testing.T) {
	for in, want := range map[string]string{
		`refund`:                        `((refund))`,
		`"wrong address" ship*`:         `((wrong & address)) & ((ship:*))`,
		`"money back" OR "jo@x.com"`:    `((money & back) | (jo & x & com))`,
		`invoice -paid`:                 `((invoice))`,
		`"order 1001" OR refund -spam*`: `((order & 1001) | (refund))`,
	} {
		q, err := Parse(in)
		if err != nil {
			t.Fatalf("Parse(%q): %v", in, err)
		}
		if got := q.WordsTSQuery(); got != want {
			t.Errorf("Parse(%q).WordsTSQuery() = %s, want %s", in, got, want)
		}
	}
}
