package report

import (
	"cmp"
	"context"
	"encoding/json"
	"slices"
	"time"

	"github.com/parley-hq/parley/internal/businesshours"
	"github.com/parley-hq/parley/internal/store"
)

// Fact kinds stored in report_facts.
const (
	factNew           = "new"
	factFirstResponse = "first_response"
	factNextResponse  = "next_response"
	factResolution    = "resolution"
	factReopened      = "reopened"
	factMerged        = "merged"
	factUnmerged      = "unmerged"
	factCSAT          = "csat"
	factSLA           = "sla"
)

// Calendars finds the compiled business hours of a schedule id; nil (no
// schedule, or one that no longer compiles) counts every hour.
type Calendars func(ctx context.Context, id int64) *businesshours.Calendar

// unresolved is whether a status is still waiting to be resolved.
func unresolved(status string) bool {
	return status == "new" || status == "open" || status == "pending"
}

// derive computes every fact of one conversation by replaying its thread
// (messages by time) and its status, assignment and merge events. It is
// the single definition of every metric: the incremental hook and the
// rebuild both call it, which is why they agree.
func derive(c store.ReportConversation, cal *businesshours.Calendar) []store.ReportFact {
	base := store.ReportFact{ConversationID: c.ID, TeamID: c.TeamID, InboxID: c.InboxID, Channel: c.Channel, CustomerType: c.CustomerType}
	durations := func(from, to int64) (*int64, *int64) {
		d := max(to-from, 0)
		b := d
		if cal != nil && d > 0 {
			b = cal.Between(time.UnixMilli(from), time.UnixMilli(to)).Milliseconds()
		}
		return &d, &b
	}
	newFact := base
	newFact.Kind, newFact.Seq, newFact.At, newFact.AgentID = factNew, 1, c.CreatedAt, c.AssigneeID
	facts := []store.ReportFact{newFact}

	// The timeline: messages and events by time; at the same millisecond
	// a message comes first, since a command writes its message before the
	// status change it causes.
	type item struct {
		at  int64
		msg *store.ReportMessage
		ev  *store.ReportEvent
	}
	items := make([]item, 0, len(c.Messages)+len(c.Events))
	for i := range c.Messages {
		items = append(items, item{at: c.Messages[i].At, msg: &c.Messages[i]})
	}
	for i := range c.Events {
		items = append(items, item{at: c.Events[i].At, ev: &c.Events[i]})
	}
	slices.SortStableFunc(items, func(a, b item) int {
		if a.at != b.at {
			return cmp.Compare(a.at, b.at)
		}
		am, bm := a.msg != nil, b.msg != nil
		if am == bm {
			return 0
		}
		if am {
			return -1
		}
		return 1
	})

	var (
		open         = true
		spellStart   = c.CreatedAt
		waiting      *int64
		answered     bool // the first response has been given
		nextSeq      int64
		replies      int64
		assignee     *int64
		resolutions  []int // indexes into facts
		reopenSeq    int64
		mergeSeq     int64
		unmergeSeq   int64
		lastResolved = -1
	)
	for _, it := range items {
		if m := it.msg; m != nil {
			switch {
			case m.Direction == "incoming" && m.Kind == "reply":
				if waiting == nil {
					at := m.At
					waiting = &at
				}
			case m.Direction == "outgoing" && m.Kind == "reply" && m.SenderType == "user":
				if open {
					replies++
				}
				if waiting != nil {
					f := base
					f.At, f.AgentID = m.At, m.SenderID
					f.CalendarMS, f.BusinessMS = durations(*waiting, m.At)
					if !answered {
						f.Kind, f.Seq = factFirstResponse, 1
						answered = true
					} else {
						nextSeq++
						f.Kind, f.Seq = factNextResponse, nextSeq
					}
					facts = append(facts, f)
					waiting = nil
				}
			}
			continue
		}
		e := it.ev
		switch e.Action {
		case "conversation.created":
			var after struct {
				AssigneeID *int64 `json:"assignee_id"`
			}
			_ = json.Unmarshal([]byte(e.After), &after)
			assignee = after.AssigneeID
		case "assignee.changed", "assignment.auto":
			var after struct {
				AssigneeID *int64 `json:"assignee_id"`
			}
			if json.Unmarshal([]byte(e.After), &after) == nil {
				assignee = after.AssigneeID
			}
		case "status.changed", "conversation.merged", "conversation.unmerged":
			var before, after struct {
				Status string `json:"status"`
			}
			_ = json.Unmarshal([]byte(e.Before), &before)
			_ = json.Unmarshal([]byte(e.After), &after)
			was, now := unresolved(before.Status), unresolved(after.Status)
			switch {
			case e.Action == "conversation.merged":
				mergeSeq++
				f := base
				f.Kind, f.Seq, f.At, f.AgentID = factMerged, mergeSeq, e.At, assignee
				if open {
					f.Flag = 1 // it leaves the backlog without being resolved
				}
				facts = append(facts, f)
				open, waiting = false, nil
			case e.Action == "conversation.unmerged":
				unmergeSeq++
				f := base
				f.Kind, f.Seq, f.At, f.AgentID = factUnmerged, unmergeSeq, e.At, assignee
				if now && !open {
					f.Flag = 1
					open = true
				}
				facts = append(facts, f)
			case was && !now && open:
				f := base
				f.Kind, f.Seq, f.At = factResolution, int64(len(resolutions)+1), e.At
				f.AgentID = assignee
				if f.AgentID == nil && e.ActorType == "user" {
					f.AgentID = e.ActorID // unassigned: credit whoever resolved it
				}
				f.CalendarMS, f.BusinessMS = durations(spellStart, e.At)
				r := replies
				f.Value = &r
				resolutions = append(resolutions, len(facts))
				lastResolved = len(facts)
				facts = append(facts, f)
				open, waiting = false, nil
			case !was && now && !open:
				reopenSeq++
				f := base
				f.Kind, f.Seq, f.At, f.AgentID = factReopened, reopenSeq, e.At, assignee
				facts = append(facts, f)
				if lastResolved >= 0 {
					facts[lastResolved].Flag = 1
				}
				open, spellStart, replies = true, e.At, 0
			}
		}
	}
	// The new fact carries the conversation's agent replies, for the
	// per-conversation export.
	var agentReplies int64
	for _, m := range c.Messages {
		if m.Direction == "outgoing" && m.Kind == "reply" && m.SenderType == "user" {
			agentReplies++
		}
	}
	facts[0].Value = &agentReplies
	if s := c.Survey; s != nil {
		f := base
		f.Kind, f.Seq, f.At, f.AgentID, f.Value = factCSAT, 1, s.SentAt, s.AssigneeID, s.Rating
		if s.Rating != nil {
			f.Flag = 1
		}
		facts = append(facts, f)
	}
	for _, o := range c.Outcomes {
		f := base
		f.Kind, f.Seq, f.At, f.Target, f.AgentID = factSLA, o.ID, o.At, o.Target, c.AssigneeID
		if o.Met {
			f.Flag = 1
		}
		facts = append(facts, f)
	}
	return facts
}

// deriveAll computes the facts of conversations, looking up each inbox's
// business hours.
func deriveAll(ctx context.Context, convs []store.ReportConversation, cals Calendars) []store.ReportFact {
	var out []store.ReportFact
	for _, c := range convs {
		var cal *businesshours.Calendar
		if c.BusinessHoursID != nil && cals != nil {
			cal = cals(ctx, *c.BusinessHoursID)
		}
		out = append(out, derive(c, cal)...)
	}
	return out
}
