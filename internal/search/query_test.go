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
