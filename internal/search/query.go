// Package search reads the keyword syntax of the search box into a query
// both databases can run: words (all must match), "quoted phrases",
// prefix* words, -excluded words, and OR between alternatives.
package search

import (
	"strings"
	"unicode"

	"github.com/parley-hq/parley/internal/apperr"
)

// MaxLength bounds a query's text.
const MaxLength = 200

// Term is one word or phrase to look for.
type Term struct {
	// Words of the term, lower-cased, letters and digits only; more than
	// one make a phrase.
	Words  []string
	Prefix bool // the last word may be the start of a longer one
}

// Clause is a set of alternatives; a document matches one of them.
type Clause []Term

// Query is a parsed search: every clause must match, no excluded term may.
type Query struct {
	All     []Clause
	Exclude []Term
}

// Parse reads the search box's syntax. It fails with a validation error
// that says what is wrong, never with a database syntax error.
func Parse(s string) (Query, error) {
	var q Query
	s = strings.TrimSpace(s)
	if len(s) > MaxLength {
		return q, apperr.Field("q", "must be at most 200 characters")
	}
	toks, err := tokenize(s)
	if err != nil {
		return q, err
	}
	orNext := false
	for _, tok := range toks {
		if tok.or {
			if len(q.All) == 0 || orNext {
				return q, apperr.Field("q", "OR needs a word on each side")
			}
			orNext = true
			continue
		}
		term := tok.term
		if len(term.Words) == 0 {
			continue // punctuation only; nothing to look for
		}
		if tok.negate {
			if orNext {
				return q, apperr.Field("q", "OR cannot join an excluded word")
			}
			q.Exclude = append(q.Exclude, term)
			continue
		}
		if orNext {
			last := len(q.All) - 1
			q.All[last] = append(q.All[last], term)
			orNext = false
			continue
		}
		q.All = append(q.All, Clause{term})
	}
	if orNext {
		return q, apperr.Field("q", "OR needs a word on each side")
	}
	if len(q.All) == 0 {
		if len(q.Exclude) > 0 {
			return q, apperr.Field("q", "say what to find, not only what to leave out")
		}
		return q, apperr.Field("q", "has no words to search for")
	}
	return q, nil
}

type token struct {
	term   Term
	negate bool
	or     bool
}

func tokenize(s string) ([]token, error) {
	var out []token
	for i := 0; i < len(s); {
		switch c := s[i]; {
		case c == ' ' || c == '\t' || c == '\n':
			i++
		case c == '"' || (c == '-' && i+1 < len(s) && s[i+1] == '"'):
			negate := c == '-'
			if negate {
				i++
			}
			end := strings.IndexByte(s[i+1:], '"')
			if end < 0 {
				return nil, apperr.Field("q", `has a quote (") that is not closed`)
			}
			phrase := s[i+1 : i+1+end]
			i += end + 2
			out = append(out, token{term: Term{Words: words(phrase)}, negate: negate})
		default:
			end := strings.IndexAny(s[i:], " \t\n\"")
			if end < 0 {
				end = len(s) - i
			}
			w := s[i : i+end]
			i += end
			if w == "OR" {
				out = append(out, token{or: true})
				continue
			}
			negate := strings.HasPrefix(w, "-") && len(w) > 1
			w = strings.TrimPrefix(w, "-")
			prefix := strings.HasSuffix(w, "*")
			w = strings.TrimRight(w, "*")
			t := Term{Words: words(w)}
			t.Prefix = prefix && len(t.Words) > 0
			out = append(out, token{term: t, negate: negate})
		}
	}
	return out, nil
}

// Words splits text the way both full-text indexes do: runs of letters
// and digits, lower-cased.
func Words(s string) []string { return words(s) }

func words(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
}

// FTS5 renders the query in SQLite FTS5 syntax. Every word is quoted, so
// no user input is read as FTS5 syntax.
func (q Query) FTS5() string {
	var parts []string
	for _, c := range q.All {
		var alts []string
		for _, t := range c {
			alts = append(alts, fts5Term(t))
		}
		if len(alts) == 1 {
			parts = append(parts, alts[0])
		} else {
			parts = append(parts, "("+strings.Join(alts, " OR ")+")")
		}
	}
	out := strings.Join(parts, " AND ")
	if len(q.Exclude) > 0 {
		var ex []string
		for _, t := range q.Exclude {
			ex = append(ex, fts5Term(t))
		}
		out = "(" + out + ") NOT (" + strings.Join(ex, " OR ") + ")"
	}
	return out
}

func fts5Term(t Term) string {
	s := `"` + strings.Join(t.Words, " ") + `"`
	if t.Prefix {
		s += "*"
	}
	return s
}

// TSQuery renders the query in PostgreSQL to_tsquery syntax for the
// 'simple' configuration. Words hold only letters and digits, so they
// need no quoting.
func (q Query) TSQuery() string {
	var parts []string
	for _, c := range q.All {
		var alts []string
		for _, t := range c {
			alts = append(alts, tsTerm(t))
		}
		parts = append(parts, "("+strings.Join(alts, " | ")+")")
	}
	for _, t := range q.Exclude {
		parts = append(parts, "!"+tsTerm(t))
	}
	return strings.Join(parts, " & ")
}

func tsTerm(t Term) string {
	ws := make([]string, len(t.Words))
	copy(ws, t.Words)
	if t.Prefix {
		ws[len(ws)-1] += ":*"
	}
	return "(" + strings.Join(ws, " <-> ") + ")"
}

// WordsTSQuery renders the positive part in to_tsquery syntax with each
// phrase loosened to all of its words (a & b for "a b"): a text matching
// the query has the words, so a set of words that fails this cannot hold
// a match. PostgreSQL tests it against a conversation's set of words
// (conversation_words) before reading the messages. Exclusions are left
// out: they are not monotone.
func (q Query) WordsTSQuery() string {
	var parts []string
	for _, c := range q.All {
		var alts []string
		for _, t := range c {
			ws := make([]string, len(t.Words))
			copy(ws, t.Words)
			if t.Prefix {
				ws[len(ws)-1] += ":*"
			}
			alts = append(alts, "("+strings.Join(ws, " & ")+")")
		}
		parts = append(parts, "("+strings.Join(alts, " | ")+")")
	}
	return strings.Join(parts, " & ")
}

// HasPrefix reports whether any term is a prefix (ship*).
func (q Query) HasPrefix() bool {
	for _, c := range q.All {
		for _, t := range c {
			if t.Prefix {
				return true
			}
		}
	}
	for _, t := range q.Exclude {
		if t.Prefix {
			return true
		}
	}
	return false
}

// Positive is the query without its exclusions.
func (q Query) Positive() Query { return Query{All: q.All} }

// Excluded is a query matching any excluded term, and whether there is one.
// Exclusion is decided per conversation: a conversation any of whose
// messages, subject or contact has an excluded word is left out.
func (q Query) Excluded() (Query, bool) {
	if len(q.Exclude) == 0 {
		return Query{}, false
	}
	return Query{All: []Clause{Clause(q.Exclude)}}, true
}

// Matcher tests texts against a query the way the full-text indexes do:
// one text (a message, a subject, a contact) matches when every clause has
// a term whose words appear in it consecutively.
type Matcher struct{ q Query }

// Matcher returns a matcher of q's positive part; Excluded gives one for
// the excluded part.
func (q Query) Matcher() Matcher { return Matcher{q: q} }

// Match reports whether text matches.
func (m Matcher) Match(text string) bool {
	words := words(text)
	for _, clause := range m.q.All {
		found := false
		for _, t := range clause {
			if t.in(words) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return len(m.q.All) > 0
}

// in reports whether t's words appear consecutively in words.
func (t Term) in(words []string) bool {
	n := len(t.Words)
	for i := 0; i+n <= len(words); i++ {
		ok := true
		for j, w := range t.Words {
			got := words[i+j]
			if j == n-1 && t.Prefix {
				ok = strings.HasPrefix(got, w)
			} else {
				ok = got == w
			}
			if !ok {
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

// span is a word of a text: its lower-cased form and where it stands.
type span struct {
	word       string
	start, end int
}

// spans splits text into words as words does, keeping their offsets.
func spans(text string) []span {
	var out []span
	start := -1
	for i, r := range text {
		inWord := unicode.IsLetter(r) || unicode.IsDigit(r)
		switch {
		case inWord && start < 0:
			start = i
		case !inWord && start >= 0:
			out = append(out, span{strings.ToLower(text[start:i]), start, i})
			start = -1
		}
	}
	if start >= 0 {
		out = append(out, span{strings.ToLower(text[start:]), start, len(text)})
	}
	return out
}

// Snippet returns an excerpt of text of about maxWords words around the
// first match, with open and close around each matching word, and
// whether text matches at all. Elided ends are marked with "…".
func (m Matcher) Snippet(text, open, close string, maxWords int) (string, bool) {
	sp := spans(text)
	words := make([]string, len(sp))
	for i, s := range sp {
		words[i] = s.word
	}
	// marked[i] is set for each word that is part of a matching term.
	marked := make([]bool, len(sp))
	first := -1
	for _, clause := range m.q.All {
		for _, t := range clause {
			n := len(t.Words)
			for i := 0; i+n <= len(words); i++ {
				if t.in(words[i : i+n]) {
					for j := i; j < i+n; j++ {
						marked[j] = true
					}
					if first < 0 || i < first {
						first = i
					}
				}
			}
		}
	}
	if first < 0 || !m.Match(text) {
		return "", false
	}
	from := max(0, first-maxWords/3)
	to := min(len(sp), from+maxWords)
	from = max(0, min(from, to-maxWords))
	var b strings.Builder
	if from > 0 {
		b.WriteString("…")
	}
	pos := 0
	if from > 0 {
		pos = sp[from].start
	}
	for i := from; i < to; i++ {
		b.WriteString(text[pos:sp[i].start])
		if marked[i] {
			b.WriteString(open + text[sp[i].start:sp[i].end] + close)
		} else {
			b.WriteString(text[sp[i].start:sp[i].end])
		}
		pos = sp[i].end
	}
	if to < len(sp) {
		b.WriteString("…")
	} else {
		b.WriteString(text[pos:])
	}
	return b.String(), true
}
