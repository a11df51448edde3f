package web

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/parley-hq/parley/internal/model"
)

// callID is the call a call.recorded event names.
func callID(e model.Event) int64 {
	var after struct {
		CallID int64 `json:"call_id"`
	}
	_ = json.Unmarshal(e.After, &after)
	return after.CallID
}

// callTitle says in words what a call was, for the timeline.
func callTitle(c model.Call) string {
	var s string
	switch {
	case c.Outcome == "voicemail":
		s = "Voicemail"
	case c.Direction == "inbound" && c.Outcome == "missed":
		s = "Missed call"
	case c.Direction == "inbound":
		s = "Inbound call"
	default:
		s = "Outbound call"
	}
	if c.Direction == "inbound" && c.Caller != "" {
		s += " from " + c.Caller
	} else if c.Direction == "outbound" && c.Callee != "" {
		s += " to " + c.Callee
	}
	if c.Outcome != "answered" && c.Outcome != "voicemail" && c.Outcome != "missed" {
		s += " · " + strings.ReplaceAll(c.Outcome, "_", " ")
	}
	if c.DurationSeconds > 0 {
		s += fmt.Sprintf(" · %d:%02d", c.DurationSeconds/60, c.DurationSeconds%60)
	}
	if c.UserName != "" {
		s += " · logged by " + c.UserName
	}
	return s
}
