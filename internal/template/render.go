// Package template holds reply templates: Liquid bodies with the
// conversation's values ({{ contact.first_name | default: "there" }}),
// scoped to their owner, a team or everyone, previewed before sending and
// counted when sent.
package template

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/osteele/liquid"
	"github.com/osteele/liquid/render"
)

// Variables lists every variable a template may use. contact.attributes.*
// reaches a contact's custom attributes.
var Variables = []string{
	"contact.name", "contact.first_name", "contact.email", "contact.attributes.<key>",
	"agent.name", "agent.first_name",
	"conversation.number", "conversation.subject",
	"inbox.name", "inbox.within_business_hours",
}

// MaxOutput caps a rendered body, like a message's body.
const MaxOutput = 100_000

// refusedTags read files (include, render) or loop without bound (for,
// tablerow); a reply needs none of them and an agent-written template must
// not reach the server's files or its CPU.
var refusedTags = regexp.MustCompile(`\{%-?\s*(include|render|for|tablerow|cycle)\b`)

// objectRE finds {{ … }} output objects, to tell which variables a body uses.
var objectRE = regexp.MustCompile(`\{\{-?\s*(.*?)\s*-?\}\}`)
var pathRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z0-9_]+)*$`)

func newEngine() *liquid.Engine {
	e := liquid.NewEngine()
	refuse := func(render.Context) (string, error) { return "", errors.New("this tag is not allowed in templates") }
	for _, t := range []string{"include", "render", "cycle"} {
		e.RegisterTag(t, refuse)
	}
	return e
}

var engine = newEngine()

// Check reports what is wrong with a template body, or nil.
func Check(body string) error {
	if m := refusedTags.FindStringSubmatch(body); m != nil {
		return fmt.Errorf("the %q tag is not allowed in templates", m[1])
	}
	if _, err := engine.ParseString(body); err != nil {
		return fmt.Errorf("the template does not parse: %s", err.Error())
	}
	return nil
}

// Result is a rendered template.
type Result struct {
	Body string `json:"body"`
	// Missing names variables the body uses that have no value here and
	// no default filter: the reply would go out with a blank.
	Missing []string `json:"missing"`
}

// limitWriter stops a render that grows past MaxOutput.
type limitWriter struct{ b strings.Builder }

var errTooLong = errors.New("the rendered template is longer than 100000 bytes")

func (w *limitWriter) Write(p []byte) (int, error) {
	if w.b.Len()+len(p) > MaxOutput {
		return 0, errTooLong
	}
	return w.b.Write(p)
}

// Render fills body with vars. Values are inserted as plain text: Liquid
// never reads its output again, so a contact named "{{ agent.name }}" or
// "<script>" stays exactly that text, and the web app escapes it on display.
func Render(body string, vars map[string]any) (Result, error) {
	if err := Check(body); err != nil {
		return Result{}, err
	}
	tpl, err := engine.ParseString(body)
	if err != nil {
		return Result{}, err
	}
	var w limitWriter
	if err := tpl.FRender(&w, vars); err != nil {
		if errors.Is(err, errTooLong) || strings.Contains(err.Error(), errTooLong.Error()) {
			return Result{}, errTooLong
		}
		return Result{}, fmt.Errorf("the template does not render: %s", err.Error())
	}
	return Result{Body: strings.TrimSpace(w.b.String()), Missing: Missing(body, vars)}, nil
}

// Missing lists the variables body outputs that are blank in vars and
// carry no default filter, in order of first use.
func Missing(body string, vars map[string]any) []string {
	out := []string{}
	for _, m := range objectRE.FindAllStringSubmatch(body, -1) {
		parts := strings.Split(m[1], "|")
		path := strings.TrimSpace(parts[0])
		if !pathRE.MatchString(path) {
			continue // a literal, or an expression we do not second-guess
		}
		hasDefault := false
		for _, f := range parts[1:] {
			name, _, _ := strings.Cut(strings.TrimSpace(f), ":")
			hasDefault = hasDefault || strings.TrimSpace(name) == "default"
		}
		if !hasDefault && blank(lookup(vars, path)) && !slices.Contains(out, path) {
			out = append(out, path)
		}
	}
	return out
}

func lookup(vars map[string]any, path string) any {
	var cur any = vars
	for _, key := range strings.Split(path, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = m[key]
	}
	return cur
}

func blank(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case string:
		return strings.TrimSpace(x) == ""
	}
	return false
}

// FirstName is the first word of a name.
func FirstName(name string) string {
	f := strings.Fields(name)
	if len(f) == 0 {
		return ""
	}
	return f[0]
}
