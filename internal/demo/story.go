package demo

import (
	"container/heap"
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/parley-hq/parley/internal/contact"
	"github.com/parley-hq/parley/internal/conversation"
	"github.com/parley-hq/parley/internal/model"
	"github.com/parley-hq/parley/internal/store"
)

const (
	minute = time.Minute
	hour   = time.Hour
	day    = 24 * time.Hour
)

// outcome is where a conversation's story leaves it.
type outcome int

const (
	outNew            outcome = iota // a customer wrote; nobody answered yet
	outOpen                          // the customer answered a question; the agent's turn
	outSnoozed                       // open, parked until a date in the future
	outWoke                          // open again after a snooze that ended
	outPending                       // the agent asked something; the customer's turn
	outPendingConfirm                // fixed, the agent asked the customer to confirm
	outPendingSnoozed                // as above, and snoozed
	outResolved                      // solved within the last days
	outClosedAuto                    // solved weeks ago, closed by the auto-close timer
	outClosedSilent                  // the customer never answered: auto-resolved, then auto-closed
	outClosedManual                  // closed by hand: sent by mistake, or a duplicate
	outClosedAfter                   // solved, then archived by hand
	outReopened                      // solved, then the problem came back
	outFollowUp                      // closed, then a new message started a linked conversation
	outIncident                      // a report during last month's outage
)

// mix is how many conversations end each way (~300 in all).
var mix = []struct {
	out outcome
	n   int
}{
	{outNew, 28}, {outOpen, 40}, {outSnoozed, 8}, {outWoke, 5},
	{outPending, 22}, {outPendingConfirm, 12}, {outPendingSnoozed, 4}, {outResolved, 45},
	{outClosedAuto, 72}, {outClosedSilent, 18}, {outClosedManual, 12}, {outClosedAfter, 6},
	{outReopened, 10}, {outFollowUp, 6}, {outIncident, 9},
}

// thread is one customer's story in one inbox; id follows the story when a
// message on a closed conversation starts a new one.
type thread struct {
	id       int64
	inbox    *inbox
	person   *person
	topic    *topic
	sc       storyCase
	agent    *agent
	vars     *strings.Replacer
	subject  string
	priority model.Priority
	// Messages written so far, to greet only in the first one.
	customerSaid, agentSaid int
	// What the story last saw of the conversation, for its timers.
	status  model.Status
	stamp   int64
	timerAt int64 // the status stamp whose timer is on the timeline
	wakeAt  int64 // the snooze whose wake-up is on the timeline
}

// step is one thing that happens at one moment of the story.
type step struct {
	at  time.Time
	seq int
	th  *thread
	do  func(ctx context.Context) error
}

// timeline is a min-heap of steps by time, then by the order they were planned.
type timeline []*step

func (t timeline) Len() int { return len(t) }
func (t timeline) Less(i, j int) bool {
	if !t[i].at.Equal(t[j].at) {
		return t[i].at.Before(t[j].at)
	}
	return t[i].seq < t[j].seq
}
func (t timeline) Swap(i, j int) { t[i], t[j] = t[j], t[i] }
func (t *timeline) Push(x any)   { *t = append(*t, x.(*step)) }
func (t *timeline) Pop() any {
	old := *t
	x := old[len(old)-1]
	*t = old[:len(old)-1]
	return x
}

func (s *seeder) schedule(at time.Time, th *thread, do func(ctx context.Context) error) {
	s.seq++
	heap.Push(&s.timeline, &step{at: at, seq: s.seq, th: th, do: do})
}

// errStale says a timer found its conversation had moved on, as the real
// job would.
var errStale = errors.New("stale timer")

// play runs the timeline in order, moving the clock to each step.
func (s *seeder) play(ctx context.Context) error {
	for s.timeline.Len() > 0 {
		st := heap.Pop(&s.timeline).(*step)
		if st.at.After(s.clock) {
			s.clock = st.at
		}
		err := st.do(ctx)
		if errors.Is(err, errStale) {
			continue
		}
		if err != nil {
			return fmt.Errorf("story of %q at %s: %w", st.th.subject, st.at.Format(time.RFC3339), err)
		}
		if err := s.watch(ctx, st.th); err != nil {
			return err
		}
	}
	return nil
}

// watch puts on the timeline the timers the conversation's state has
// scheduled in the job queue, when they fall due before now: the story
// must already show what they do, or the queue would do it all at once
// when the server starts.
func (s *seeder) watch(ctx context.Context, th *thread) error {
	c, err := s.convs.Get(ctx, s.admin, th.id)
	if err != nil {
		return err
	}
	th.status, th.stamp = c.Status, store.Millis(c.StatusChangedAt)
	var wait time.Duration
	var action conversation.Action
	switch c.Status {
	case model.StatusPending:
		wait, action = th.inbox.autoResolve, conversation.ActAutoResolve
	case model.StatusResolved:
		wait, action = th.inbox.autoClose, conversation.ActAutoClose
	}
	if due := c.StatusChangedAt.Add(wait); wait > 0 && th.timerAt != th.stamp && !due.After(s.now) {
		th.timerAt = th.stamp
		id, status, stamp := th.id, th.status, th.stamp
		s.schedule(due, th, func(ctx context.Context) error {
			if th.id != id || th.status != status || th.stamp != stamp {
				return errStale
			}
			return s.convs.AutoTransition(ctx, id, status, stamp, action)
		})
	}
	if c.SnoozedUntil != nil && !c.SnoozedUntil.After(s.now) && th.wakeAt != store.Millis(*c.SnoozedUntil) {
		th.wakeAt = store.Millis(*c.SnoozedUntil)
		id, until := th.id, th.wakeAt
		s.schedule(*c.SnoozedUntil, th, func(ctx context.Context) error {
			return s.convs.Wake(ctx, id, until)
		})
	}
	return nil
}

// beat is one planned step of a story, gap after the one before it, or
// at a fixed time if that is later.
type beat struct {
	gap time.Duration
	at  time.Time
	do  func(ctx context.Context) error
}

// story collects a thread's beats; one of them, the anchor, is placed at a
// chosen time and the others around it.
type story struct {
	th     *thread
	beats  []beat
	anchor int
}

func (b *story) then(gap time.Duration, do func(ctx context.Context) error) {
	b.beats = append(b.beats, beat{gap: gap, do: do})
}

// thenAt adds a beat that happens at a fixed time, or right after the
// previous beat if that is later.
func (b *story) thenAt(at time.Time, do func(ctx context.Context) error) {
	b.beats = append(b.beats, beat{gap: minute, at: at, do: do})
}

// anchorHere marks the last beat as the one whose time is chosen.
func (b *story) anchorHere() { b.anchor = len(b.beats) - 1 }

// place puts the story on the timeline with its anchor at the given time.
// Beats that would fall after now have not happened yet and are dropped.
func (s *seeder) place(b *story, anchorAt time.Time) {
	var offset time.Duration
	for _, bt := range b.beats[1 : b.anchor+1] {
		offset += bt.gap
	}
	t := anchorAt.Add(-offset)
	for i, bt := range b.beats {
		if i > 0 {
			t = t.Add(bt.gap)
		}
		if bt.at.After(t) {
			t = bt.at
		}
		if t.After(s.now.Add(-minute)) {
			return
		}
		s.schedule(t, b.th, bt.do)
	}
}

// ago returns a time between lo and hi before now.
func (s *seeder) ago(lo, hi time.Duration) time.Time {
	return s.now.Add(-between(s.rng, lo, hi))
}

func (s *seeder) planConversations() {
	var outs []outcome
	for _, m := range mix {
		for range m.n {
			outs = append(outs, m.out)
		}
	}
	s.rng.Shuffle(len(outs), func(i, j int) { outs[i], outs[j] = outs[j], outs[i] })
	// Everyone writes at least once; a few regulars write often.
	order := s.rng.Perm(len(s.people))
	// The outage began twelve days ago and lasted five hours.
	incident := s.now.Add(-12*day - 7*hour)
	for i, out := range outs {
		var p *person
		if i < len(order) {
			p = s.people[order[i]]
		} else {
			p = s.people[int(float64(len(s.people))*math.Pow(s.rng.Float64(), 2))]
		}
		recurring := out == outReopened || out == outFollowUp
		// Only customers were hit by the outage, and leads have no problems to come back.
		for out == outIncident && p.typ != model.ContactCustomer && p.typ != model.ContactVIP || recurring && p.typ == model.ContactLead {
			p = pick(s.rng, s.people)
		}
		th := s.newThread(p, out, recurring)
		s.tell(th, out, incident)
	}
}

func (s *seeder) newThread(p *person, out outcome, recurring bool) *thread {
	tp := s.pickTopic(p.typ, out == outIncident, recurring)
	th := &thread{person: p, topic: tp, sc: pick(s.rng, tp.cases)}
	th.inbox = s.pickInbox(p, out == outIncident)
	th.agent = s.pickAgent(th.inbox, tp.team)

	th.priority = tp.priority
	switch r := s.rng.IntN(100); {
	case tp.key == outageTopic:
	case r < 12 && th.priority > model.PriorityLow:
		th.priority--
	case r < 22 && th.priority < model.PriorityUrgent:
		th.priority++
	}
	if p.typ == model.ContactVIP && th.priority < model.PriorityHigh && s.rng.IntN(2) == 0 {
		th.priority = model.PriorityHigh
	}

	prod := pick(s.rng, products)
	company := p.company
	if company == "" {
		company = "our company"
	}
	newFirst := pick(s.rng, firstNames)
	th.vars = strings.NewReplacer(
		"{name}", p.first, "{agent}", th.agent.first, "{team}", tp.team, "{city}", p.city,
		"{order}", fmt.Sprintf("BW-%06d", 100000+s.rng.IntN(900000)),
		"{product}", prod.name, "{amount}", prod.price,
		"{last4}", fmt.Sprintf("%04d", s.rng.IntN(10000)),
		"{tracking}", fmt.Sprintf("1Z%03X%011d", s.rng.IntN(4096), s.rng.Int64N(1e11)),
		"{tracking2}", fmt.Sprintf("1Z%03X%011d", s.rng.IntN(4096), s.rng.Int64N(1e11)),
		"{ref}", strconv.Itoa(10000+s.rng.IntN(90000)),
		"{vat}", fmt.Sprintf("%s%09d", pick(s.rng, []string{"GB", "DE", "NL", "IE", "DK"}), s.rng.IntN(1e9)),
		"{company}", company, "{address}", pick(s.rng, addresses),
		"{router}", pick(s.rng, routers), "{phone}", pick(s.rng, phones),
		"{client}", fmt.Sprintf("cl_%08x", s.rng.Uint32()),
		"{domain}", p.dom, "{email}", p.email,
		"{serial}", fmt.Sprintf("BWH-%08d", s.rng.IntN(1e8)),
		"{seats}", strconv.Itoa(60+10*s.rng.IntN(20)), "{hubs}", strconv.Itoa(2+s.rng.IntN(8)),
		"{newname}", newFirst+" "+pick(s.rng, lastNames), "{newemail}", strings.ToLower(ascii(newFirst))+"@"+p.dom,
	)
	th.subject = th.vars.Replace(pick(s.rng, th.sc.subjects))
	return th
}

func (s *seeder) pickTopic(typ model.ContactType, outage, recurring bool) *topic {
	var fit []*topic
	total := 0
	for i := range topics {
		tp := &topics[i]
		if outage != (tp.key == outageTopic) || recurring && !tp.recurs {
			continue
		}
		for _, w := range tp.who {
			if w == typ {
				fit = append(fit, tp)
				total += max(tp.weight, 1)
				break
			}
		}
	}
	n := s.rng.IntN(total)
	for _, tp := range fit {
		if n -= max(tp.weight, 1); n < 0 {
			return tp
		}
	}
	return fit[len(fit)-1]
}

// pickInbox chooses a channel the contact can use: WhatsApp and phone need
// a number; businesses mostly write email.
func (s *seeder) pickInbox(p *person, outage bool) *inbox {
	weights := make([]int, len(s.inboxes))
	total := 0
	for i, in := range s.inboxes {
		w := in.weight
		switch {
		case (in.channel == model.ChannelAPI || in.channel == model.ChannelPhone) && p.phone == "":
			w = 0
		case p.company != "" && in.channel != model.ChannelEmail, outage && in.channel == model.ChannelEmail:
			w /= 3
		}
		weights[i] = w
		total += w
	}
	n := s.rng.IntN(total)
	for i, in := range s.inboxes {
		if n -= weights[i]; n < 0 {
			return in
		}
	}
	return s.inboxes[0]
}

// pickAgent prefers members of the inbox who are in the topic's team.
func (s *seeder) pickAgent(in *inbox, team string) *agent {
	var fit []*agent
	for _, g := range in.agents {
		if g.inTeam(team) {
			fit = append(fit, g)
		}
	}
	if len(fit) == 0 {
		fit = in.agents
	}
	return pick(s.rng, fit)
}

// tell plans one conversation's story.
func (s *seeder) tell(th *thread, out outcome, incident time.Time) {
	r := s.rng
	b := &story{th: th}
	chat := th.inbox.channel == model.ChannelChat || th.inbox.channel == model.ChannelAPI
	// Gaps: chats move in minutes, email in hours; urgent and VIP go first.
	quick := chat || th.priority == model.PriorityUrgent || th.person.typ == model.ContactVIP
	pace := func(lo, hi time.Duration) time.Duration {
		if quick {
			return between(r, lo/10+minute, hi/8+2*minute)
		}
		return between(r, lo, hi)
	}

	b.then(0, s.open(th))
	if out != outNew || r.IntN(10) < 4 {
		s.triage(b, th, out, pace(5*minute, 2*hour))
	}
	ask := func(status string) { b.then(pace(10*minute, 5*hour), s.reply(th, th.sc.ask, status)) }
	detail := func() { b.then(pace(20*minute, 20*hour), s.customer(th, th.sc.detail)) }
	note := func(chance int) {
		if r.IntN(100) < chance {
			text := th.sc.note
			if text == "" {
				text = pick(r, handoverNotes)
			}
			b.then(between(r, 3*minute, 40*minute), s.note(th, th.agent.actor, text))
		}
	}
	fix := func(status string) { b.then(pace(30*minute, 26*hour), s.reply(th, th.sc.fix, status)) }
	resolve := func() {
		fix("resolved")
		b.anchorHere()
		if r.IntN(100) < 35 {
			// A thank-you reopens it; the agent resolves it again.
			b.then(between(r, 10*minute, 6*hour), s.customer(th, pick(r, thanks)))
			b.then(between(r, 5*minute, 2*hour), s.setStatus(th, model.StatusResolved))
			b.anchorHere()
		}
	}

	switch out {
	case outNew:
		if r.IntN(10) < 3 {
			b.then(between(r, 3*hour, 20*hour), s.customer(th, pick(r, nudges)))
		}
		s.place(b, s.ago(10*minute, 40*hour))
	case outOpen:
		ask("pending")
		detail()
		b.anchorHere()
		note(40)
		s.place(b, s.ago(10*minute, 4*day))
	case outSnoozed, outWoke:
		ask("pending")
		detail()
		b.then(pace(10*minute, 3*hour), s.reply(th, pick(r, holds), ""))
		b.anchorHere()
		if out == outSnoozed {
			b.then(between(r, minute, 15*minute), s.snooze(th, s.now.Add(between(r, 18*hour, 6*day)), 0))
			s.place(b, s.ago(30*minute, 3*day))
		} else {
			b.then(between(r, minute, 10*minute), s.snooze(th, time.Time{}, between(r, 20*hour, 2*day)))
			s.place(b, s.ago(3*day, 5*day))
		}
	case outPending:
		ask("pending")
		b.anchorHere()
		s.place(b, s.ago(hour, 84*hour))
	case outPendingConfirm, outPendingSnoozed:
		ask("pending")
		detail()
		note(30)
		b.then(pace(30*minute, 20*hour), s.reply(th, pick(r, confirms), "pending"))
		b.anchorHere()
		if out == outPendingSnoozed {
			b.then(between(r, minute, 10*minute), s.snooze(th, s.now.Add(between(r, day, 3*day)), 0))
		}
		s.place(b, s.ago(2*hour, 84*hour))
	case outResolved, outClosedAuto:
		ask("pending")
		detail()
		note(40)
		resolve()
		if out == outResolved {
			s.place(b, s.ago(30*minute, 66*hour))
		} else {
			s.place(b, s.ago(5*day, 28*day))
		}
	case outClosedSilent:
		ask("pending")
		b.anchorHere()
		if r.IntN(2) == 0 {
			b.then(between(r, 2*day, 84*hour), s.reply(th, pick(r, reminders), ""))
		}
		s.place(b, s.ago(10*day, 28*day))
	case outClosedManual:
		if r.IntN(2) == 0 {
			b.then(between(r, 10*minute, 3*hour), s.customer(th, pick(r, ignores)))
		} else {
			b.then(between(r, 10*minute, 3*hour), s.note(th, th.agent.actor, pick(r, duplicateNotes)))
		}
		b.then(between(r, 10*minute, 5*hour), s.setStatus(th, model.StatusClosed))
		b.anchorHere()
		s.place(b, s.ago(day, 28*day))
	case outClosedAfter:
		ask("pending")
		detail()
		fix("resolved")
		b.then(between(r, hour, 2*day), s.setStatus(th, model.StatusClosed))
		b.anchorHere()
		s.place(b, s.ago(day, 28*day))
	case outReopened:
		ask("pending")
		detail()
		fix("resolved")
		b.then(between(r, 6*hour, 3*day), s.customer(th, pick(r, reopens)))
		b.anchorHere()
		b.then(between(r, 10*minute, hour), s.note(th, th.agent.actor, pick(r, escalationNotes)))
		status := ""
		if r.IntN(2) == 0 {
			status = "pending"
		}
		b.then(pace(5*minute, 2*hour), s.reply(th, pick(r, reopenReplies), status))
		s.place(b, s.ago(2*hour, 3*day))
	case outFollowUp:
		ask("pending")
		detail()
		fix("resolved")
		// After the auto-close (4 days), the customer writes again: a new email.
		th.customerSaid, th.agentSaid = 0, 0
		b.then(between(r, 5*day, 12*day), s.customer(th, pick(r, followups)))
		b.anchorHere()
		if r.IntN(2) == 0 {
			b.then(pace(10*minute, 2*hour), s.assign(th, th.agent.actor))
			b.then(pace(5*minute, 2*hour), s.reply(th, pick(r, reopenReplies), ""))
		}
		s.place(b, s.ago(hour, 3*day))
	case outIncident:
		// Reports pile up during the outage and are all answered when it ends.
		ask("")
		if r.IntN(2) == 0 {
			detail()
		}
		b.thenAt(incident.Add(5*hour+between(r, 5*minute, 40*minute)), s.reply(th, th.sc.fix, "resolved"))
		s.place(b, incident.Add(between(r, 10*minute, 4*hour)))
	}
}

// triage is the first look: someone sets the team, assignee, priority and
// tags. New conversations get at most a team and tags from the supervisor.
func (s *seeder) triage(b *story, th *thread, out outcome, gap time.Duration) {
	r := s.rng
	team := s.teams[th.topic.team]
	p := conversation.Patch{TeamID: model.Nullable[int64]{Set: true, Value: team}}
	who := th.agent.actor
	if out == outNew || r.IntN(10) < 3 || th.person.typ == model.ContactVIP && r.IntN(2) == 0 {
		who = s.super
	}
	// Most conversations get an owner; some are left to the team.
	if out != outNew && r.IntN(100) < 90 || out == outNew && r.IntN(10) < 4 {
		p.AssigneeID = model.Nullable[int64]{Set: true, Value: th.agent.actor.UserID}
	}
	if th.priority != model.PriorityNormal && out != outNew {
		name := th.priority.String()
		p.Priority = &name
	}
	b.then(gap, s.update(th, who, p))
	tags := append([]string(nil), th.topic.tags...)
	if th.person.typ == model.ContactVIP {
		tags = append(tags, "vip")
	}
	if th.priority == model.PriorityUrgent && !contains(tags, "urgent") {
		tags = append(tags, "urgent")
	}
	b.then(between(r, 0, 3*minute), s.tag(th, who, tags))
	if th.person.typ == model.ContactVIP && r.IntN(10) < 6 {
		b.then(between(r, minute, 10*minute), s.note(th, s.super, pick(r, vipNotes)))
	}
}

// The commands a story is made of. Customers' messages are entered by the
// admin, who may record incoming messages in any inbox.

func (s *seeder) open(th *thread) func(ctx context.Context) error {
	body := s.customerText(th, th.sc.open)
	priority := ""
	if th.inbox.channel == model.ChannelAPI && th.priority == model.PriorityUrgent {
		priority = th.priority.String() // the integration flags it
	}
	return func(ctx context.Context) error {
		c, err := s.convs.Create(ctx, s.admin, conversation.CreateRequest{
			InboxID: th.inbox.id, Contact: contact.Ref{ID: th.person.id}, Subject: th.subject, Priority: priority,
			Message: conversation.MessageRequest{Body: body, Direction: string(model.Incoming)},
		})
		th.id = c.ID
		s.conversations++
		return err
	}
}

func (s *seeder) customer(th *thread, text string) func(ctx context.Context) error {
	body := s.customerText(th, text)
	return func(ctx context.Context) error {
		m, err := s.convs.AddMessage(ctx, s.admin, th.id, conversation.MessageRequest{Body: body, Direction: string(model.Incoming)})
		if err == nil && m.ConversationID != th.id {
			th.id = m.ConversationID // a follow-up to a closed conversation
			s.conversations++
		}
		return err
	}
}

func (s *seeder) reply(th *thread, text, status string) func(ctx context.Context) error {
	body := s.agentText(th, text)
	return func(ctx context.Context) error {
		_, err := s.convs.AddMessage(ctx, th.agent.actor, th.id, conversation.MessageRequest{Body: body, Status: status})
		return err
	}
}

func (s *seeder) note(th *thread, by model.Actor, text string) func(ctx context.Context) error {
	body := th.vars.Replace(text)
	return func(ctx context.Context) error {
		_, err := s.convs.AddMessage(ctx, by, th.id, conversation.MessageRequest{Body: body, Kind: string(model.KindNote)})
		return err
	}
}

func (s *seeder) update(th *thread, by model.Actor, p conversation.Patch) func(ctx context.Context) error {
	return func(ctx context.Context) error {
		_, err := s.convs.Update(ctx, by, th.id, p)
		return err
	}
}

func (s *seeder) assign(th *thread, by model.Actor) func(ctx context.Context) error {
	return s.update(th, by, conversation.Patch{AssigneeID: model.Nullable[int64]{Set: true, Value: th.agent.actor.UserID}})
}

func (s *seeder) setStatus(th *thread, st model.Status) func(ctx context.Context) error {
	return s.update(th, th.agent.actor, conversation.Patch{Status: &st})
}

// snooze parks the conversation until a fixed time, or for a while from
// the moment it happens when until is zero.
func (s *seeder) snooze(th *thread, until time.Time, d time.Duration) func(ctx context.Context) error {
	return func(ctx context.Context) error {
		if until.IsZero() {
			until = s.clock.Add(d)
		}
		_, err := s.convs.Update(ctx, th.agent.actor, th.id, conversation.Patch{SnoozedUntil: model.Nullable[time.Time]{Set: true, Value: until}})
		return err
	}
}

func (s *seeder) tag(th *thread, by model.Actor, tags []string) func(ctx context.Context) error {
	return func(ctx context.Context) error {
		_, err := s.convs.AddTags(ctx, by, th.id, tags)
		return err
	}
}

// customerText dresses a message the way its channel delivers it.
func (s *seeder) customerText(th *thread, text string) string {
	body := th.vars.Replace(text)
	first := th.customerSaid == 0
	th.customerSaid++
	switch th.inbox.channel {
	case model.ChannelEmail:
		if first {
			return pick(s.rng, greetings) + "\n\n" + body + "\n\n" + pick(s.rng, signoffs) + "\n" + th.person.name
		}
		return body + "\n\n" + th.person.first
	case model.ChannelPhone:
		return "Voicemail transcript: " + body
	}
	return body
}

// agentText signs an email reply, and greets the customer in the first
// chat message or call back.
func (s *seeder) agentText(th *thread, text string) string {
	body := th.vars.Replace(text)
	first := th.agentSaid == 0
	th.agentSaid++
	switch th.inbox.channel {
	case model.ChannelEmail:
		return "Hi " + th.person.first + ",\n\n" + body + "\n\n" + pick(s.rng, agentCloses) + "\n" + th.agent.first + "\nBrightwave Support"
	case model.ChannelChat, model.ChannelAPI:
		if first {
			return "Hi " + th.person.first + "! " + body
		}
	case model.ChannelPhone:
		if first {
			return "Hi " + th.person.first + ", this is " + th.agent.first + " from Brightwave, returning your call. " + body
		}
	}
	return body
}
