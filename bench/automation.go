package main

import (
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"sort"
	"time"

	"github.com/parley-hq/parley/internal/automation"
	"github.com/parley-hq/parley/internal/conversation"
	"github.com/parley-hq/parley/internal/model"
)

// runAutomation measures issue 6's figure: evaluating every automation
// rule for one incoming customer message, with 100 compiled rules of
// realistic shape (keyword, channel, priority, tag and business-hours
// conditions in AND/OR trees). The rules are compiled once, as the
// service's per-node cache holds them.
func runAutomation() int {
	var rules []*automation.Compiled
	for i := range 100 {
		cond := map[string]any{"all": []any{
			map[string]any{"field": "channel", "op": "in", "value": []string{"email", "chat", "api"}},
			map[string]any{"any": []any{
				map[string]any{"field": "body", "op": "contains", "value": []string{fmt.Sprintf("keyword%d", i), "refund", "invoice"}},
				map[string]any{"field": "subject", "op": "contains", "value": fmt.Sprintf("topic %d", i)},
				map[string]any{"field": "tags", "op": "any_of", "value": []string{"vip", fmt.Sprintf("tag%d", i)}},
			}},
			map[string]any{"field": "priority", "op": "at_least", "value": "normal"},
			map[string]any{"field": "within_business_hours", "op": "is", "value": i%2 == 0},
		}}
		b, _ := json.Marshal(cond)
		c, err := automation.Compile(model.AutomationRule{ID: int64(i + 1), Name: fmt.Sprintf("Rule %d", i), Enabled: true,
			Trigger: conversation.TriggerCustomerMessage, Conditions: b,
			Actions: json.RawMessage(`[{"type":"add_tag","value":"routed"},{"type":"set_priority","value":"high"}]`)})
		if err != nil {
			fmt.Fprintln(os.Stderr, "compile:", err)
			return 1
		}
		rules = append(rules, c)
	}
	body := "Hello, I was charged twice on my last invoice and would like a refund of the second payment. " +
		"My order number is 1001 and the card ends in 4242. Thanks for looking into it quickly, this is urgent for me."
	msg := &model.Message{Body: body, Direction: model.Incoming}
	facts := conversation.Facts{Trigger: conversation.Trigger{Event: conversation.TriggerCustomerMessage, Message: msg},
		Conversation: model.Conversation{Channel: model.ChannelEmail, Priority: model.PriorityNormal, Subject: "Double charge",
			Tags: []string{"billing"}}, WithinBusinessHours: true}
	// Warm up, then time many evaluations one by one.
	matched := 0
	for range 1000 {
		matched = len(automation.MatchCompiled(rules, &facts))
	}
	const n = 20000
	times := make([]time.Duration, n)
	for i := range n {
		start := time.Now()
		automation.MatchCompiled(rules, &facts)
		times[i] = time.Since(start)
	}
	sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
	var total time.Duration
	for _, d := range times {
		total += d
	}
	fmt.Printf("automation: 100 rules, one customer message (%d bytes), %d matched, GOMAXPROCS=%d\n", len(body), matched, runtime.GOMAXPROCS(0))
	fmt.Printf("  evaluations: %d\n  mean: %v\n  p50:  %v\n  p99:  %v\n  max:  %v\n",
		n, total/n, times[n/2], times[n*99/100], times[n-1])
	return 0
}
