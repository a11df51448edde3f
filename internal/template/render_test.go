package template

import (
	"slices"
	"strings"
	"testing"
)

func TestRender(t *testing.T) {
	vars := map[string]any{
		"contact":      map[string]any{"name": "Dana Scully", "first_name": "Dana", "email": "dana@fbi.gov", "attributes": map[string]any{"plan": "Gold"}},
		"agent":        map[string]any{"name": "Fox Mulder", "first_name": "Fox"},
		"conversation": map[string]any{"number": int64(42), "subject": "X-file"},
		"inbox":        map[string]any{"name": "Support", "within_business_hours": false},
	}
	hostile := map[string]any{
		"contact":      map[string]any{"name": `{{ agent.name }}<script>alert(1)</script>`, "first_name": `{% include "x" %}`, "email": "", "attributes": map[string]any{}},
		"agent":        map[string]any{"name": "", "first_name": ""},
		"conversation": map[string]any{"number": int64(1), "subject": `{{ 7 | times: 6 }}`},
		"inbox":        map[string]any{"name": "S", "within_business_hours": true},
	}
	cases := []struct {
		name, body string
		vars       map[string]any
		want       string
		missing    []string
	}{
		{"every variable", `{{ contact.name }}|{{ contact.first_name }}|{{ contact.email }}|{{ contact.attributes.plan }}|{{ agent.name }}|{{ agent.first_name }}|{{ conversation.number }}|{{ conversation.subject }}|{{ inbox.name }}|{{ inbox.within_business_hours }}`,
			vars, "Dana Scully|Dana|dana@fbi.gov|Gold|Fox Mulder|Fox|42|X-file|Support|false", nil},
		{"hours branch", `{% if inbox.within_business_hours %}open{% else %}closed{% endif %}`, vars, "closed", nil},
		{"default fills a blank", `Hi {{ contact.attributes.tier | default: "friend" }}`, vars, "Hi friend", nil},
		{"blank without default is missing", `Tier {{ contact.attributes.tier }}, {{ agent.nmae }}`, vars, "Tier ,", []string{"contact.attributes.tier", "agent.nmae"}},
		{"values are text, never template", `{{ contact.name }} {{ contact.first_name }} {{ conversation.subject }}`, hostile,
			`{{ agent.name }}<script>alert(1)</script> {% include "x" %} {{ 7 | times: 6 }}`, []string{}},
		{"blank agent and email flagged", `{{ agent.name }} {{ contact.email }}`, hostile, "", []string{"agent.name", "contact.email"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res, err := Render(c.body, c.vars)
			if err != nil {
				t.Fatal(err)
			}
			if res.Body != c.want {
				t.Errorf("body = %q, want %q", res.Body, c.want)
			}
			if len(res.Missing) != len(c.missing) || !slices.Equal(res.Missing, c.missing) && len(c.missing) > 0 {
				t.Errorf("missing = %v, want %v", res.Missing, c.missing)
			}
		})
	}
}

func TestRefusedTemplates(t *testing.T) {
	for _, body := range []string{`{% include "/etc/passwd" %}`, `{%- render "x" -%}`, `{% for i in (1..1000000000) %}{% endfor %}`,
		`{% tablerow i in (1..9) %}{% endtablerow %}`, `{% cycle "a", "b" %}`, `{% if x %}`} {
		if err := Check(body); err == nil {
			t.Errorf("%s: accepted", body)
		}
	}
	// Output is capped even without loops.
	big := strings.Repeat("{{ contact.name }}", 200)
	if _, err := Render(big, map[string]any{"contact": map[string]any{"name": strings.Repeat("x", 1000)}}); err == nil {
		t.Error("a 200 KB render was accepted")
	}
}
