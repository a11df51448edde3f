// Package report computes the support metrics of docs/reports.md (response
// and resolution times, CSAT, SLA compliance, volume, backlog, busiest
// hours) from fact tables that the conversation service keeps in the same
// transaction as each change (facts.go), and that `parley admin
// rebuild-reports` can rebuild from the event log at any time.
//
// The web reports page, the dashboard and the weekly email read only the
// types and Service methods in this file; their names are stable.
package report

import (
	"time"
)

// GroupBy names a breakdown dimension.
type GroupBy string

// The breakdowns a report may be grouped by; "" is no breakdown.
const (
	GroupNone         GroupBy = ""
	GroupAgent        GroupBy = "agent"
	GroupTeam         GroupBy = "team"
	GroupInbox        GroupBy = "inbox"
	GroupChannel      GroupBy = "channel"
	GroupTag          GroupBy = "tag"
	GroupCustomerType GroupBy = "customer_type"
)

// GroupBys lists every breakdown, in the order a page offers them.
var GroupBys = []GroupBy{GroupAgent, GroupTeam, GroupInbox, GroupChannel, GroupTag, GroupCustomerType}

// Hours says whether durations count every hour or only business hours.
type Hours string

// Calendar hours count every hour; business hours count only the hours of
// the inbox's business hours (an inbox without them counts 24/7).
const (
	HoursCalendar Hours = "calendar"
	HoursBusiness Hours = "business"
)

// Metric names a metric; these are the JSON keys of Summary.Metrics and the
// metric parameter of the drill-down.
type Metric string

// The metrics (definitions in docs/reports.md).
const (
	MetricFirstResponseTime    Metric = "first_response_time"
	MetricNextResponseTime     Metric = "next_response_time"
	MetricResolutionTime       Metric = "resolution_time"
	MetricRepliesPerResolution Metric = "replies_per_resolution"
	MetricReopenRate           Metric = "reopen_rate"
	MetricCSAT                 Metric = "csat"
	MetricSLA                  Metric = "sla"
	// Volume metrics, also series of Series.
	MetricNew      Metric = "new"
	MetricResolved Metric = "resolved"
	MetricReopened Metric = "reopened"
	MetricMerged   Metric = "merged"
	MetricBacklog  Metric = "backlog"
)

// DrillMetrics are the metrics whose numbers the drill-down can explain.
var DrillMetrics = []Metric{MetricFirstResponseTime, MetricNextResponseTime, MetricResolutionTime,
	MetricRepliesPerResolution, MetricReopenRate, MetricCSAT, MetricSLA,
	MetricNew, MetricResolved, MetricReopened, MetricMerged}

// Filter narrows a report; an empty list does not filter. Values within a
// list are alternatives (OR); lists combine with AND.
type Filter struct {
	InboxIDs []int64 `json:"inbox_ids,omitempty"`
	TeamIDs  []int64 `json:"team_ids,omitempty"`
	// AgentIDs filters on the agent a fact is credited to (the replying
	// agent for responses, the assignee for resolutions and CSAT).
	AgentIDs []int64  `json:"agent_ids,omitempty"`
	Channels []string `json:"channels,omitempty"`
	// Tags are tag names; a conversation matches if it has any of them.
	Tags []string `json:"tags,omitempty"`
	// CustomerTypes are contact types: customer, vip, lead, partner.
	CustomerTypes []string `json:"customer_types,omitempty"`
}

// Query is one report's question. From is inclusive, To exclusive; both
// are instants, and Location decides days and hours for series and
// busiest hours. Validate (or ParseQuery) fills the defaults.
type Query struct {
	From     time.Time
	To       time.Time
	Location *time.Location
	Hours    Hours
	GroupBy  GroupBy
	Filter   Filter
	// Interval is the bucket of Series: "hour", "day", "week" or "month";
	// empty picks by range length (day up to 92 days, then week).
	Interval string
}

// Limits on a query.
const (
	// MaxRange is the longest report range (a little over a year, so that
	// "last 12 months" and a leap year both fit; two years is refused).
	MaxRange = 400 * 24 * time.Hour
	// MaxDrillRows caps one page of the drill-down.
	MaxDrillRows = 500
)

// Stat is one duration or count metric over a set of samples. Durations
// are in seconds (float, so sub-second precision survives the average).
// Average, Median and P90 are nil when Count is 0: nothing measured is
// not zero.
type Stat struct {
	Count   int64    `json:"count"`
	Average *float64 `json:"average"`
	Median  *float64 `json:"median"`
	P90     *float64 `json:"p90"`
}

// Rate is a share: Numerator of Denominator; Value is nil when the
// denominator is 0.
type Rate struct {
	Numerator   int64    `json:"numerator"`
	Denominator int64    `json:"denominator"`
	Value       *float64 `json:"value"`
}

// CSAT is satisfaction over the surveys sent in the period.
type CSAT struct {
	// Sent counts surveys sent; Answered those answered (at any time).
	Sent     int64 `json:"sent"`
	Answered int64 `json:"answered"`
	// ResponseRate is Answered / Sent.
	ResponseRate *float64 `json:"response_rate"`
	// Average is the mean rating (1–5) of the answers; nil with none.
	Average *float64 `json:"average"`
	// Distribution counts answers by rating: index 0 is rating 1.
	Distribution [5]int64 `json:"distribution"`
	// Satisfied is the share of answers rated 4 or 5.
	Satisfied *float64 `json:"satisfied"`
}

// SLATarget is compliance with one SLA target (first_response,
// next_response, resolution): Met of Met+Breached.
type SLATarget struct {
	Met        int64    `json:"met"`
	Breached   int64    `json:"breached"`
	Compliance *float64 `json:"compliance"`
}

// Volume counts what happened in the period.
type Volume struct {
	New      int64 `json:"new"`
	Resolved int64 `json:"resolved"`
	Reopened int64 `json:"reopened"`
	Merged   int64 `json:"merged"`
}

// Metrics is every metric for one set of facts (the whole report, one
// group, or the previous period).
type Metrics struct {
	FirstResponseTime    Stat                 `json:"first_response_time"`
	NextResponseTime     Stat                 `json:"next_response_time"`
	ResolutionTime       Stat                 `json:"resolution_time"`
	RepliesPerResolution Stat                 `json:"replies_per_resolution"`
	ReopenRate           Rate                 `json:"reopen_rate"`
	CSAT                 CSAT                 `json:"csat"`
	SLA                  map[string]SLATarget `json:"sla"`
	Volume               Volume               `json:"volume"`
}

// Period is a half-open range of instants.
type Period struct {
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
}

// Group is one row of a breakdown.
type Group struct {
	// Key identifies the group: a user, team or inbox id as a decimal
	// string, a channel, a tag name or a customer type; "" collects facts
	// without one (unassigned, no team, untagged).
	Key string `json:"key"`
	// Label is the group's name for people.
	Label    string  `json:"label"`
	Current  Metrics `json:"current"`
	Previous Metrics `json:"previous"`
}

// Summary is a report: every metric for the period and for the previous
// period of equal length, and per group when grouped.
type Summary struct {
	Period         Period  `json:"period"`
	PreviousPeriod Period  `json:"previous_period"`
	TimeZone       string  `json:"time_zone"`
	Hours          Hours   `json:"hours"`
	GroupBy        GroupBy `json:"group_by,omitempty"`
	Current        Metrics `json:"current"`
	Previous       Metrics `json:"previous"`
	// Groups, when GroupBy is set, in order of label; a conversation with
	// several tags counts in each tag's row.
	Groups []Group `json:"groups,omitempty"`
}

// Point is one bucket of a series; Start is the bucket's start in the
// query's time zone.
type Point struct {
	Start    time.Time `json:"start"`
	New      int64     `json:"new"`
	Resolved int64     `json:"resolved"`
	Reopened int64     `json:"reopened"`
	Merged   int64     `json:"merged"`
	// Backlog is the number of unresolved conversations at the bucket's end.
	Backlog int64 `json:"backlog"`
}

// Series is volume and backlog over time.
type Series struct {
	Period   Period  `json:"period"`
	TimeZone string  `json:"time_zone"`
	Interval string  `json:"interval"`
	Points   []Point `json:"points"`
}

// BusiestHours counts conversations created per weekday and hour in the
// query's time zone: Counts[time.Weekday][hour].
type BusiestHours struct {
	Period   Period       `json:"period"`
	TimeZone string       `json:"time_zone"`
	Counts   [7][24]int64 `json:"counts"`
	Max      int64        `json:"max"`
}

// DrillQuery asks which conversations stand behind one number: the
// metric, optionally one group's key, and the previous period instead of
// the current one.
type DrillQuery struct {
	Query
	Metric   Metric
	GroupKey *string
	Previous bool
	// After is the last conversation id of the previous page.
	After int64
	Limit int
}

// Drill is one page of the conversations behind a number, ascending by id.
type Drill struct {
	Metric          Metric  `json:"metric"`
	ConversationIDs []int64 `json:"conversation_ids"`
	// NextAfter is the cursor of the next page, 0 when this is the last.
	NextAfter int64 `json:"next_after"`
}

// ConversationRow is one row of the per-conversation export.
type ConversationRow struct {
	ID           int64     `json:"id"`
	InboxID      int64     `json:"inbox_id"`
	Channel      string    `json:"channel"`
	TeamID       *int64    `json:"team_id"`
	AssigneeID   *int64    `json:"assignee_id"`
	CustomerType string    `json:"customer_type"`
	Status       string    `json:"status"`
	CreatedAt    time.Time `json:"created_at"`
	MergedIntoID *int64    `json:"merged_into_id"`
	Tags         string    `json:"tags"`
	// Seconds, calendar and business; nil when not measured.
	FirstResponseSeconds         *float64 `json:"first_response_seconds"`
	FirstResponseBusinessSeconds *float64 `json:"first_response_business_seconds"`
	Responses                    int64    `json:"responses"`
	Resolutions                  int64    `json:"resolutions"`
	Reopens                      int64    `json:"reopens"`
	AgentReplies                 int64    `json:"agent_replies"`
	// LastResolutionSeconds is the latest resolution's time (from the
	// creation or the reopening before it).
	LastResolutionSeconds         *float64 `json:"last_resolution_seconds"`
	LastResolutionBusinessSeconds *float64 `json:"last_resolution_business_seconds"`
	CSATRating                    *int     `json:"csat_rating"`
}

// ConversationColumns are the CSV header of the per-conversation export,
// in ConversationRow's order.
var ConversationColumns = []string{"id", "inbox_id", "channel", "team_id", "assignee_id", "customer_type",
	"status", "created_at", "merged_into_id", "tags", "first_response_seconds", "first_response_business_seconds",
	"responses", "resolutions", "reopens", "agent_replies", "last_resolution_seconds",
	"last_resolution_business_seconds", "csat_rating"}

// Dashboard is the live state of the helpdesk, now.
type Dashboard struct {
	At time.Time `json:"at"`
	// Open counts unresolved conversations (new, open, pending) by
	// status and by priority (low, normal, high, urgent).
	ByStatus   map[string]int64 `json:"by_status"`
	ByPriority map[string]int64 `json:"by_priority"`
	// WaitingLongest are the conversations whose customer has waited
	// longest for an answer, longest first.
	WaitingLongest []Waiting `json:"waiting_longest"`
	// SLAAtRisk are unresolved conversations whose SLA due time is past or
	// within the next hour, soonest first.
	SLAAtRisk []Waiting `json:"sla_at_risk"`
	// Agents are every agent with availability and their open load.
	Agents []AgentLoad `json:"agents"`
}

// Waiting is one conversation on the dashboard.
type Waiting struct {
	ID         int64      `json:"id"`
	Subject    string     `json:"subject"`
	Status     string     `json:"status"`
	AssigneeID *int64     `json:"assignee_id"`
	Since      *time.Time `json:"since,omitempty"`
	DueAt      *time.Time `json:"due_at,omitempty"`
}

// AgentLoad is one agent's availability and the unresolved conversations
// assigned to them.
type AgentLoad struct {
	ID        int64  `json:"id"`
	Name      string `json:"name"`
	Available bool   `json:"available"`
	Capacity  int    `json:"capacity"`
	Open      int64  `json:"open"`
}
