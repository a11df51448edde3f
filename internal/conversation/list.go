package conversation

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"github.com/parley-hq/parley/internal/apperr"
	"github.com/parley-hq/parley/internal/model"
	"github.com/parley-hq/parley/internal/page"
	"github.com/parley-hq/parley/internal/search"
	"github.com/parley-hq/parley/internal/store"
)

// listParams are the query keys the conversation list understands; any
// other key is refused, so a typo never silently returns everything.
var listParams = map[string]bool{"status": true, "assignee": true, "team": true, "inbox": true, "tag": true,
	"priority": true, "channel": true, "contact": true, "q": true, "view": true, "sort": true, "limit": true,
	"cursor": true, "snoozed": true}

// Page is one page of conversations and the cursor to the next, if any.
type Page struct {
	Items      []model.Conversation `json:"items"`
	NextCursor string               `json:"next_cursor"`
}

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

// ParseFilter reads the list's query keys (as in API.md) into a store
// filter for the given actor, or explains every key it cannot use.
func (s *Service) ParseFilter(actor model.Actor, q map[string][]string) (store.ConversationFilter, error) {
	fields := map[string]string{}
	f := store.ConversationFilter{Sort: "last_activity", Desc: true, Now: s.now()}
	for k := range q {
		if !listParams[k] {
			fields[k] = "is not a filter; use status, assignee, team, inbox, tag, priority, channel, contact, q, snoozed, sort, limit or cursor"
		}
	}
	one := func(k string) string {
		if v := q[k]; len(v) > 0 {
			if len(v) > 1 {
				fields[k] = "give it once"
			}
			return v[0]
		}
		return ""
	}
	for _, st := range commaList(q["status"]) {
		if !model.Status(st).Valid() {
			fields["status"] = "must be a comma list of new, open, pending, resolved, closed"
			continue
		}
		f.Statuses = append(f.Statuses, model.Status(st))
	}
	switch a := one("assignee"); a {
	case "":
	case "me":
		f.AssigneeID = actor.UserID
		if actor.UserID == 0 {
			f.Unassigned = true
		}
	case "none":
		f.Unassigned = true
	default:
		f.AssigneeID = positiveID("assignee", a, fields)
		if fields["assignee"] != "" {
			fields["assignee"] = "must be a user id, me or none"
		}
	}
	if v := one("team"); v != "" {
		f.TeamID = positiveID("team", v, fields)
	}
	if v := one("inbox"); v != "" {
		f.InboxID = positiveID("inbox", v, fields)
	}
	if v := one("contact"); v != "" {
		f.ContactID = positiveID("contact", v, fields)
	}
	for _, t := range q["tag"] {
		n, err := NormalizeTag(t)
		if err != nil {
			fields["tag"] = err.Error()
			continue
		}
		f.Tags = append(f.Tags, n)
	}
	for _, p := range commaList(q["priority"]) {
		pr, ok := model.ParsePriority(p)
		if !ok {
			fields["priority"] = "must be a comma list of low, normal, high, urgent"
			continue
		}
		f.Priorities = append(f.Priorities, pr)
	}
	for _, ch := range commaList(q["channel"]) {
		if !model.Channel(ch).Valid() {
			fields["channel"] = "must be a comma list of email, chat, api, phone"
			continue
		}
		f.Channels = append(f.Channels, model.Channel(ch))
	}
	switch v := one("snoozed"); v {
	case "":
	case "true", "false":
		b := v == "true"
		f.Snoozed = &b
	default:
		fields["snoozed"] = "must be true or false"
	}
	if text := strings.TrimSpace(one("q")); text != "" {
		q, err := search.Parse(text)
		if err != nil {
			var ae *apperr.Error
			if errors.As(err, &ae) {
				fields["q"] = ae.Fields["q"]
			}
		} else {
			f.Search = &q
		}
	}
	if one("view") != "" {
		fields["view"] = "saved views are not available yet"
	}
	switch v := one("sort"); v {
	case "":
		if f.Search != nil {
			f.Sort, f.Desc = "relevance", true
		}
	case "relevance", "-relevance":
		if f.Search == nil {
			fields["sort"] = "relevance needs a search (q)"
		}
		f.Sort, f.Desc = "relevance", true
	case "-last_activity":
	case "last_activity", "created", "priority":
		f.Sort, f.Desc = v, false
	case "-created", "-priority":
		f.Sort, f.Desc = v[1:], true
	case "sla_due", "-sla_due":
		fields["sort"] = "sla_due needs SLA policies, which are not available yet"
	default:
		fields["sort"] = "must be one of last_activity, -last_activity, created, -created, priority, -priority, relevance"
	}
	limit, err := page.Limit(one("limit"))
	if err != nil {
		fields["limit"] = "must be a whole number from 1 to 200"
	}
	f.Limit = limit
	if c := one("cursor"); c != "" {
		var cur store.Cursor
		if err := page.Decode(c, &cur); err != nil {
			fields["cursor"] = "is not a cursor this server gave out"
		} else if cur.Sort != sortKey(f) {
			fields["cursor"] = "belongs to another sort order; start again without a cursor"
		} else if f.Sort == "priority" && (cur.Value < int64(model.PriorityLow) || cur.Value > int64(model.PriorityUrgent)) {
			// No row has such a priority, and PostgreSQL's SMALLINT column
			// cannot even take the value as a parameter.
			fields["cursor"] = "is not a cursor this server gave out"
		} else {
			f.After = &cur
		}
	}
	if !actor.Role.SeesAll() {
		f.VisibleTo = actor.UserID
	}
	if len(fields) > 0 {
		return f, apperr.Invalid("the list request is not valid", fields)
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
