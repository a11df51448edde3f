package conversation

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/parley-hq/parley/internal/apperr"
	"github.com/parley-hq/parley/internal/model"
	"github.com/parley-hq/parley/internal/page"
	"github.com/parley-hq/parley/internal/search"
	"github.com/parley-hq/parley/internal/store"
)

// ConditionKeys are the filter keys of the list, of JSON filters and of
// saved views. Values are comma lists where a key takes several.
var ConditionKeys = []string{"status", "assignee", "team", "inbox", "tag", "tag_any", "tag_none", "priority",
	"channel", "contact", "contact_type", "snoozed", "unread", "created_after", "created_before",
	"activity_after", "activity_before", "q"}

// pagingKeys are the list's other keys.
var pagingKeys = []string{"view", "filter", "sort", "limit", "cursor"}

// Sorts are the list's sort orders; a leading "-" reverses one.
var Sorts = []string{"last_activity", "created", "priority", "waiting", "customer_type", "assignee", "relevance", "sla_due"}

// Page is one page of conversations and the cursor to the next, if any.
type Page struct {
	Items      []model.Conversation `json:"items"`
	NextCursor string               `json:"next_cursor"`
}

// FilterSpec is a filter as JSON: the list's keys with lists of values,
// all of which must hold, plus "any": groups of which one must hold.
//
//	{"status": ["open", "pending"], "any": [{"tag": ["refund"]}, {"priority": ["urgent"]}]}
type FilterSpec struct {
	Keys map[string][]string
	Any  []map[string][]string
}

// UnmarshalJSON reads a filter object.
func (f *FilterSpec) UnmarshalJSON(b []byte) error {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return errors.New("a filter is an object of keys with lists of values")
	}
	f.Keys = map[string][]string{}
	for k, v := range raw {
		if k == "any" {
			if err := json.Unmarshal(v, &f.Any); err != nil {
				return errors.New(`filter "any" is a list of filter objects with lists of values`)
			}
			continue
		}
		var vals []string
		if err := json.Unmarshal(v, &vals); err != nil {
			return fmt.Errorf("filter %q needs a list of strings", k)
		}
		f.Keys[k] = vals
	}
	return nil
}

// MarshalJSON writes a filter object.
func (f FilterSpec) MarshalJSON() ([]byte, error) {
	m := map[string]any{}
	for k, v := range f.Keys {
		m[k] = v
	}
	if len(f.Any) > 0 {
		m["any"] = f.Any
	}
	return json.Marshal(m)
}

// ViewSource looks up a saved view the actor may use.
type ViewSource interface {
	ViewFilter(ctx context.Context, actor model.Actor, id int64) (FilterSpec, string, error)
}

// SetViews lets lists take view=ID.
func (s *Service) SetViews(v ViewSource) { s.views = v }

func commaList(vals []string) []string {
	var out []string
	for _, v := range vals {
		for _, part := range strings.Split(v, ",") {
			if part = strings.TrimSpace(part); part != "" {
				out = append(out, part)
			}
		}
	}
	return out
}

func positiveID(field, v string, fields map[string]string) int64 {
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n <= 0 {
		fields[field] = "must be an id"
	}
	return n
}

// conditionParser reads condition keys into store conditions, collecting
// every problem under its field name.
type conditionParser struct {
	actor  model.Actor
	fields map[string]string
	prefix string
	search *search.Query
}

func (p *conditionParser) bad(key, why string) { p.fields[p.prefix+key] = why }

func (p *conditionParser) one(q map[string][]string, k string) string {
	v := q[k]
	if len(v) == 0 {
		return ""
	}
	if len(v) > 1 {
		p.bad(k, "give it once")
	}
	return v[0]
}

func (p *conditionParser) tags(q map[string][]string, k string) []string {
	var out []string
	for _, t := range q[k] {
		for _, part := range strings.Split(t, ",") {
			n, err := NormalizeTag(part)
			if err != nil {
				p.bad(k, err.Error())
				continue
			}
			out = append(out, n)
		}
	}
	return out
}

func (p *conditionParser) boolean(q map[string][]string, k string) *bool {
	switch v := p.one(q, k); v {
	case "":
		return nil
	case "true", "false":
		b := v == "true"
		return &b
	}
	p.bad(k, "must be true or false")
	return nil
}

func (p *conditionParser) time(q map[string][]string, k string) *time.Time {
	v := p.one(q, k)
	if v == "" {
		return nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		p.bad(k, "must be a time like 2026-03-01T00:00:00Z")
		return nil
	}
	return &t
}

// parse reads one set of conditions; unknown keys are the caller's to check.
func (p *conditionParser) parse(q map[string][]string) store.Conditions {
	var c store.Conditions
	for _, st := range commaList(q["status"]) {
		if !model.Status(st).Valid() {
			p.bad("status", "must be a comma list of new, open, pending, resolved, closed")
			continue
		}
		c.Statuses = append(c.Statuses, model.Status(st))
	}
	switch a := p.one(q, "assignee"); a {
	case "":
	case "me":
		c.AssigneeID = p.actor.UserID
		if p.actor.UserID == 0 {
			c.Unassigned = true
		}
	case "none":
		c.Unassigned = true
	case "anyone":
		c.Assigned = true
	default:
		n, err := strconv.ParseInt(a, 10, 64)
		if err != nil || n <= 0 {
			p.bad("assignee", "must be a user id, me, none or anyone")
		}
		c.AssigneeID = n
	}
	for key, dst := range map[string]*int64{"team": &c.TeamID, "inbox": &c.InboxID, "contact": &c.ContactID} {
		if v := p.one(q, key); v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n <= 0 {
				p.bad(key, "must be an id")
			}
			*dst = n
		}
	}
	c.Tags, c.TagsAny, c.TagsNone = p.tags(q, "tag"), p.tags(q, "tag_any"), p.tags(q, "tag_none")
	for _, v := range commaList(q["priority"]) {
		pr, ok := model.ParsePriority(v)
		if !ok {
			p.bad("priority", "must be a comma list of low, normal, high, urgent")
			continue
		}
		c.Priorities = append(c.Priorities, pr)
	}
	for _, v := range commaList(q["channel"]) {
		if !model.Channel(v).Valid() {
			p.bad("channel", "must be a comma list of email, chat, api, phone")
			continue
		}
		c.Channels = append(c.Channels, model.Channel(v))
	}
	for _, v := range commaList(q["contact_type"]) {
		if !model.ContactType(v).Valid() {
			p.bad("contact_type", "must be a comma list of customer, vip, lead, partner")
			continue
		}
		c.ContactTypes = append(c.ContactTypes, model.ContactType(v))
	}
	c.Snoozed, c.Unread = p.boolean(q, "snoozed"), p.boolean(q, "unread")
	c.CreatedAfter, c.CreatedBefore = p.time(q, "created_after"), p.time(q, "created_before")
	c.ActivityAfter, c.ActivityBefore = p.time(q, "activity_after"), p.time(q, "activity_before")
	if text := strings.TrimSpace(p.one(q, "q")); text != "" {
		sq, err := search.Parse(text)
		var ae *apperr.Error
		switch {
		case errors.As(err, &ae):
			p.bad("q", ae.Fields["q"])
		case err != nil:
			p.bad("q", err.Error())
		case p.search == nil:
			p.search = &sq
		default: // several searches (list and view) must all match
			p.search.All = append(p.search.All, sq.All...)
			p.search.Exclude = append(p.search.Exclude, sq.Exclude...)
		}
	}
	return c
}

// checkKeys refuses keys that are not filters, so a typo never silently
// returns everything.
func (p *conditionParser) checkKeys(q map[string][]string, extra ...string) {
	for k := range q {
		if !slices.Contains(ConditionKeys, k) && !slices.Contains(extra, k) {
			p.bad(k, "is not a filter; use "+strings.Join(append(slices.Clone(ConditionKeys), extra...), ", "))
		}
	}
}

// apply adds a JSON filter's conditions to f: its keys AND-ed, its "any"
// groups OR-ed among themselves.
func (p *conditionParser) apply(f *store.ConversationFilter, spec FilterSpec) {
	prefix := p.prefix
	p.checkKeys(spec.Keys)
	f.And = append(f.And, p.parse(spec.Keys))
	var anyOf []store.Conditions
	for i, g := range spec.Any {
		p.prefix = fmt.Sprintf("%sany[%d].", prefix, i)
		p.checkKeys(g)
		if _, ok := g["q"]; ok {
			p.bad("q", "search goes at the top of a filter, not in an any group")
		}
		anyOf = append(anyOf, p.parse(g))
	}
	if len(anyOf) > 0 {
		// Each filter's groups OR among themselves only: a view's "any"
		// and a filter= "any" on the same list must both hold.
		f.AnyOf = append(f.AnyOf, anyOf)
	}
	p.prefix = prefix
}

// ValidateSpec checks a JSON filter as a saved view stores it.
func (s *Service) ValidateSpec(spec FilterSpec, sort string) error {
	p := &conditionParser{actor: model.Actor{UserID: 1, Role: model.RoleAgent}, fields: map[string]string{}, prefix: "filter."}
	var f store.ConversationFilter
	p.apply(&f, spec)
	if sort != "" {
		name, _, ok := parseSort(sort)
		switch {
		case !ok:
			p.fields["sort"] = "must be one of " + strings.Join(Sorts, ", ") + ", each optionally with a leading -"
		case name == "relevance" && p.search == nil:
			p.fields["sort"] = "relevance needs a search (q) in the filter"
		}
	}
	if len(p.fields) > 0 {
		return apperr.Invalid("the filter is not valid", p.fields)
	}
	return nil
}

func parseSort(v string) (string, bool, bool) {
	desc := strings.HasPrefix(v, "-")
	name := strings.TrimPrefix(v, "-")
	return name, desc, slices.Contains(Sorts, name)
}

// ParseFilter reads the list's query keys (as in API.md) into a store
// filter for the given actor, or explains every key it cannot use. A
// filter= JSON object and a view= saved view add their conditions.
func (s *Service) ParseFilter(ctx context.Context, actor model.Actor, q map[string][]string) (store.ConversationFilter, error) {
	p := &conditionParser{actor: actor, fields: map[string]string{}}
	f := store.ConversationFilter{Sort: "last_activity", Desc: true, Now: s.now()}
	p.checkKeys(q, pagingKeys...)
	f.Conditions = p.parse(q)

	sortName := p.one(q, "sort")
	if raw := p.one(q, "filter"); raw != "" {
		var spec FilterSpec
		dec := json.NewDecoder(bytes.NewReader([]byte(raw)))
		if err := dec.Decode(&spec); err != nil {
			p.bad("filter", err.Error())
		} else if dec.More() {
			p.bad("filter", "has text after its JSON object")
		} else {
			p.prefix = "filter."
			p.apply(&f, spec)
			p.prefix = ""
		}
	}
	if v := p.one(q, "view"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		switch {
		case err != nil || id <= 0:
			p.bad("view", "must be a view id")
		case s.views == nil:
			p.bad("view", "saved views are not available")
		default:
			spec, viewSort, err := s.views.ViewFilter(ctx, actor, id)
			if err != nil {
				if apperr.KindOf(err) == apperr.KindNotFound {
					p.bad("view", "no such view")
				} else {
					return f, err
				}
			} else {
				p.prefix = "view."
				p.apply(&f, spec)
				p.prefix = ""
				if sortName == "" {
					sortName = viewSort
				}
			}
		}
	}
	f.Search = p.search

	switch name, desc, ok := parseSort(sortName); {
	case sortName == "":
		// Newest first, also when searching: exact over all history at
		// any size, where relevance scores only the newest matches.
	case !ok:
		p.bad("sort", "must be one of "+strings.Join(Sorts, ", ")+", each optionally with a leading -")
	case name == "relevance":
		if f.Search == nil {
			p.bad("sort", "relevance needs a search (q)")
		}
		f.Sort, f.Desc = "relevance", true
	default:
		f.Sort, f.Desc = name, desc
	}
	limit, err := page.Limit(p.one(q, "limit"))
	if err != nil {
		p.bad("limit", "must be a whole number from 1 to 200")
	}
	f.Limit = limit
	if c := p.one(q, "cursor"); c != "" {
		var cur store.Cursor
		if err := page.Decode(c, &cur); err != nil {
			p.bad("cursor", "is not a cursor this server gave out")
		} else if cur.Sort != sortKey(f) {
			p.bad("cursor", "belongs to another sort order; start again without a cursor")
		} else if f.Sort == "priority" && (cur.Value < int64(model.PriorityLow) || cur.Value > int64(model.PriorityUrgent)) {
			// No row has such a priority, and PostgreSQL's SMALLINT column
			// cannot even take the value as a parameter.
			p.bad("cursor", "is not a cursor this server gave out")
		} else {
			f.After = &cur
		}
	}
	if !actor.Role.SeesAll() {
		f.VisibleTo = actor.UserID
	}
	if len(p.fields) > 0 {
		return f, apperr.Invalid("the list request is not valid", p.fields)
	}
	return f, nil
}

func sortKey(f store.ConversationFilter) string {
	if f.Desc {
		return "-" + f.Sort
	}
	return f.Sort
}

// List returns one page of the conversations the actor may see.
func (s *Service) List(ctx context.Context, actor model.Actor, f store.ConversationFilter) (Page, error) {
	items, err := s.store.ListConversations(ctx, f)
	if err != nil {
		return Page{}, err
	}
	p := Page{Items: items}
	if p.Items == nil {
		p.Items = []model.Conversation{}
	}
	if len(items) == f.Limit {
		last := items[len(items)-1]
		p.NextCursor = page.Encode(store.Cursor{Sort: sortKey(f), Value: store.SortKey(f.Sort, last), ID: last.ID})
	}
	return p, nil
}
