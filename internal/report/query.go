package report

import (
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/parley-hq/parley/internal/apperr"
)

// ParseQuery reads a query from URL parameters, the same for the JSON API
// and the web page: from and to (dates "2006-01-02" read in tz, to
// inclusive of its whole day; or RFC 3339 instants, to exclusive), tz (IANA
// name, default UTC), hours (calendar|business, default calendar),
// group_by, interval, and the filters inbox_id, team_id, agent_id,
// channel, tag, customer_type (each repeatable or comma-separated).
// Without from/to it reads the last 30 days up to now. Errors are Invalid
// apperrs naming the field.
func ParseQuery(v url.Values, now time.Time) (Query, error) {
	fields := map[string]string{}
	q := Query{Location: time.UTC, Hours: HoursCalendar}
	if tz := v.Get("tz"); tz != "" {
		loc, err := time.LoadLocation(tz)
		if err != nil || tz == "Local" {
			fields["tz"] = "must be an IANA time zone such as Europe/Berlin"
		} else {
			q.Location = loc
		}
	}
	from, fromOK := parseBound(v.Get("from"), q.Location, false)
	to, toOK := parseBound(v.Get("to"), q.Location, true)
	if !fromOK {
		fields["from"] = "must be a date (2006-01-02) or an RFC 3339 time"
	}
	if !toOK {
		fields["to"] = "must be a date (2006-01-02) or an RFC 3339 time"
	}
	switch h := Hours(v.Get("hours")); h {
	case "":
	case HoursCalendar, HoursBusiness:
		q.Hours = h
	default:
		fields["hours"] = "must be calendar or business"
	}
	if g := GroupBy(v.Get("group_by")); g != "" {
		if !slices.Contains(GroupBys, g) {
			fields["group_by"] = "must be one of agent, team, inbox, channel, tag, customer_type"
		} else {
			q.GroupBy = g
		}
	}
	q.Interval = v.Get("interval")
	var ok bool
	if q.Filter.InboxIDs, ok = ids(v, "inbox_id"); !ok {
		fields["inbox_id"] = "must be ids"
	}
	if q.Filter.TeamIDs, ok = ids(v, "team_id"); !ok {
		fields["team_id"] = "must be ids"
	}
	if q.Filter.AgentIDs, ok = ids(v, "agent_id"); !ok {
		fields["agent_id"] = "must be ids"
	}
	q.Filter.Channels = list(v, "channel")
	for _, c := range q.Filter.Channels {
		if !slices.Contains([]string{"email", "chat", "api", "phone"}, c) {
			fields["channel"] = "must be email, chat, api or phone"
		}
	}
	q.Filter.Tags = list(v, "tag")
	q.Filter.CustomerTypes = list(v, "customer_type")
	for _, c := range q.Filter.CustomerTypes {
		if !slices.Contains([]string{"customer", "vip", "lead", "partner"}, c) {
			fields["customer_type"] = "must be customer, vip, lead or partner"
		}
	}
	if len(fields) > 0 {
		return q, apperr.Invalid("the report query is not valid", fields)
	}
	switch {
	case from == nil && to == nil:
		t := now.In(q.Location)
		end := time.Date(t.Year(), t.Month(), t.Day()+1, 0, 0, 0, 0, q.Location)
		q.From, q.To = end.AddDate(0, 0, -30), end
	case from == nil || to == nil:
		return q, apperr.Invalid("the report query is not valid", map[string]string{"from": "send both from and to, or neither"})
	default:
		q.From, q.To = *from, *to
	}
	return q, q.Validate()
}

// Validate checks a query built in code and fills its defaults.
func (q *Query) Validate() error {
	if q.Location == nil {
		q.Location = time.UTC
	}
	if q.Hours == "" {
		q.Hours = HoursCalendar
	}
	fields := map[string]string{}
	switch {
	case !q.To.After(q.From):
		fields["to"] = "must be after from"
	case q.To.Sub(q.From) > MaxRange:
		fields["to"] = "the range may be at most 400 days"
	}
	if q.Hours != HoursCalendar && q.Hours != HoursBusiness {
		fields["hours"] = "must be calendar or business"
	}
	if q.GroupBy != GroupNone && !slices.Contains(GroupBys, q.GroupBy) {
		fields["group_by"] = "must be one of agent, team, inbox, channel, tag, customer_type"
	}
	switch q.Interval {
	case "":
		q.Interval = "day"
		if q.To.Sub(q.From) > 92*24*time.Hour {
			q.Interval = "week"
		}
	case "hour":
		if q.To.Sub(q.From) > 31*24*time.Hour {
			fields["interval"] = "hourly series may span at most 31 days"
		}
	case "day", "week", "month":
	default:
		fields["interval"] = "must be hour, day, week or month"
	}
	if len(fields) > 0 {
		return apperr.Invalid("the report query is not valid", fields)
	}
	return nil
}

// Previous is the period of equal length just before q's.
func (q Query) Previous() Period {
	return Period{From: q.From.Add(-q.To.Sub(q.From)), To: q.From}
}

// parseBound reads a date or an instant; an empty string is nil.
func parseBound(s string, loc *time.Location, end bool) (*time.Time, bool) {
	if s == "" {
		return nil, true
	}
	if d, err := time.ParseInLocation("2006-01-02", s, loc); err == nil {
		if end {
			d = d.AddDate(0, 0, 1)
		}
		return &d, true
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil || t.Year() < 1970 || t.Year() > 9999 {
		return nil, false
	}
	return &t, true
}

func list(v url.Values, key string) []string {
	var out []string
	for _, s := range v[key] {
		for _, p := range strings.Split(s, ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
	}
	return out
}

func ids(v url.Values, key string) ([]int64, bool) {
	var out []int64
	for _, s := range list(v, key) {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n <= 0 {
			return nil, false
		}
		out = append(out, n)
	}
	return out, true
}
