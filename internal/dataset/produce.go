package dataset

import (
	"cmp"
	"container/heap"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/parley-hq/parley/internal/conversation"
	"github.com/parley-hq/parley/internal/model"
)

// batchRows is about how many rows a batch carries: large enough that
// transaction and COPY overheads vanish, small enough to stream.
const batchRows = 100_000

// producer is the second pass: it writes each conversation in full when it
// starts, and releases its messages and events in global time order, so
// that ids grow with time across conversations as in a real helpdesk (a
// conversation's messages are interleaved with others', not adjacent).
type producer struct {
	opts Options
	w    *world
	s    *schedule
	out  chan<- *batch
	cur  *batch
	now  int64

	// By contact slot (see schedule.contact).
	contactID []int64
	people    []person
	last      []previous

	active       convHeap
	msgID, evID  int64
	identityID   int64
	started      time.Time
	billing, all []float64 // topic weights by inbox kind
	inboxWeights []float64

	contacts, identities, conversations, messages, events, convTags, snoozed int
	byStatus                                                                 map[model.Status]int
	jobs                                                                     []job
}

// person is what a contact's conversations need to know about them.
type person struct {
	first   string
	typ     model.ContactType
	company string
}

// previous is a contact's latest conversation, for follow-ups: a customer
// writing again after a conversation closed starts a new one linked to it.
type previous struct {
	id, closed   int64
	inbox, topic int
	priority     model.Priority
	subject      string
}

func newProducer(opts Options, w *world, s *schedule, out chan<- *batch) *producer {
	p := &producer{opts: opts, w: w, s: s, out: out, cur: &batch{}, now: opts.Now.UnixMilli(),
		byStatus: map[model.Status]int{}, started: time.Now()}
	for _, tp := range topics {
		p.all = append(p.all, float64(tp.weight))
		if tp.billing {
			p.billing = append(p.billing, float64(tp.weight))
		} else {
			p.billing = append(p.billing, 0)
		}
	}
	for _, in := range w.inboxes {
		p.inboxWeights = append(p.inboxWeights, float64(in.weight))
	}
	return p
}

func (p *producer) send(ctx context.Context) error {
	if p.cur.size() == 0 {
		return nil
	}
	select {
	case p.out <- p.cur:
	case <-ctx.Done():
		return ctx.Err()
	}
	p.cur = &batch{}
	return nil
}

func (p *producer) run(ctx context.Context) error {
	if err := p.makeContacts(ctx); err != nil {
		return err
	}
	r := rand.New(rand.NewPCG(p.opts.Seed, streamConversations))
	n := len(p.s.at)
	every := max(1, n/20)
	for i := range n {
		if err := p.drain(ctx, p.s.at[i]); err != nil {
			return err
		}
		p.plan(r, i)
		if p.cur.size() >= batchRows {
			if err := p.send(ctx); err != nil {
				return err
			}
		}
		if (i+1)%every == 0 {
			p.opts.Logger.Info("generating", "conversations", i+1, "of", n, "messages", p.messages,
				"elapsed", time.Since(p.started).Round(time.Second))
		}
	}
	if err := p.drain(ctx, 1<<62); err != nil {
		return err
	}
	return p.send(ctx)
}

// makeContacts writes every contact with its identities. Ids follow the
// order in which contacts first wrote in.
func (p *producer) makeContacts(ctx context.Context) error {
	r := rand.New(rand.NewPCG(p.opts.Seed, streamContacts))
	c := p.opts.Contacts
	start := p.now - int64(p.opts.Days)*day
	first := make([]int64, c)
	for i := range first {
		first[i] = -1
	}
	for i, slot := range p.s.contact {
		if first[slot] < 0 {
			first[slot] = p.s.at[i] // at is ascending: this is the earliest
		}
	}
	created := make([]int64, c)
	for slot, f := range first {
		if f < 0 {
			f = start + r.Int64N(p.now-start) // never wrote in: signed up, or imported
		}
		created[slot] = f - r.Int64N(3*day)
	}
	order := make([]int32, c)
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(a, b int32) int {
		return cmp.Or(cmp.Compare(created[a], created[b]), cmp.Compare(a, b))
	})
	p.contactID = make([]int64, c)
	p.people = make([]person, c)
	p.last = make([]previous, c)
	taken := make(map[string]struct{}, c+c/4)
	types := []float64{80, 5, 10, 5}
	typeNames := []model.ContactType{model.ContactCustomer, model.ContactVIP, model.ContactLead, model.ContactPartner}
	phonePrefixes := []string{"14155", "44770", "49151", "31612", "46701", "35387", "61412", "12125"}
	for idx, slot := range order {
		id := int64(idx + 1)
		p.contactID[slot] = id
		fn, ln := pick(r, firstNames), pick(r, lastNames)
		typ := typeNames[weighted(r, types)]
		company := ""
		if typ != model.ContactCustomer && r.IntN(10) < 7 {
			company = pick(r, companies)
		}
		p.people[slot] = person{first: fn, typ: typ, company: company}
		name := fn + " " + ln

		f, l := strings.ToLower(ascii(fn)), strings.ToLower(ascii(ln))
		var local string
		switch r.IntN(6) {
		case 0:
			local = f + "." + l
		case 1:
			local = f + l
		case 2:
			local = f[:1] + l
		case 3:
			local = f + "_" + l
		case 4:
			local = f + "." + l[:1]
		default:
			local = l + "." + f
		}
		if r.IntN(10) < 4 {
			local += fmt.Sprint(r.IntN(100))
		}
		domain := pick(r, personalDomains)
		if company != "" {
			domain = strings.ToLower(ascii(strings.NewReplacer(" & ", "", "&", "", " ", "").Replace(company))) + ".example"
		}
		email := local + "@" + domain
		for k := 2; ; k++ {
			if _, dup := taken[email]; !dup {
				break
			}
			email = fmt.Sprintf("%s%d@%s", local, k, domain)
		}
		taken[email] = struct{}{}
		values := []string{email}
		p.identityID++
		p.cur.identities = append(p.cur.identities, identityRow{id: p.identityID, contact: id, kind: string(model.IdentityEmail), value: email})
		if r.IntN(4) == 0 {
			// Fixed-width prefix and id: unique without a lookup.
			phone := fmt.Sprintf("+%s%07d", pick(r, phonePrefixes), id)
			values = append(values, phone)
			p.identityID++
			p.cur.identities = append(p.cur.identities, identityRow{id: p.identityID, contact: id, kind: string(model.IdentityPhone), value: phone})
		}
		attrs := map[string]string{}
		if r.IntN(2) == 0 {
			attrs["city"] = pick(r, cities)
		}
		if company != "" {
			attrs["company"] = company
		}
		if typ == model.ContactCustomer && r.IntN(3) == 0 {
			attrs["plan"] = pick(r, plans)
		}
		attrJSON, err := json.Marshal(attrs)
		if err != nil {
			return err
		}
		p.cur.contacts = append(p.cur.contacts, contactRow{id: id, name: name, typ: string(typ), attributes: string(attrJSON),
			search: searchText(name, values), created: created[slot]})
		p.contacts++
		p.identities += len(values)
		if p.cur.size() >= batchRows {
			if err := p.send(ctx); err != nil {
				return err
			}
		}
	}
	return p.send(ctx)
}

// searchText is the store's contacts.search_text: the name and every
// identity, split on anything but letters and digits.
func searchText(name string, identities []string) string {
	all := name + " " + strings.Join(identities, " ")
	return strings.Join(strings.FieldsFunc(all, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }), " ")
}

// role is who writes a message.
type role uint8

const (
	fromCustomer role = iota
	fromAgent
	internalNote
)

// item is a message or event waiting for its time to be written.
type item struct {
	at  int64
	msg bool
	m   messageRow
	e   eventRow
}

// pendingConv is a planned conversation whose items are not all written.
type pendingConv struct {
	id    int64
	items []item
	next  int
}

type convHeap []*pendingConv

func (h convHeap) Len() int { return len(h) }
func (h convHeap) Less(i, j int) bool {
	a, b := h[i].items[h[i].next].at, h[j].items[h[j].next].at
	if a != b {
		return a < b
	}
	return h[i].id < h[j].id
}
func (h convHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *convHeap) Push(x any)   { *h = append(*h, x.(*pendingConv)) }
func (h *convHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// drain writes every waiting item due at or before until, oldest first.
func (p *producer) drain(ctx context.Context, until int64) error {
	for len(p.active) > 0 {
		top := p.active[0]
		it := &top.items[top.next]
		if it.at > until {
			return nil
		}
		if it.msg {
			p.msgID++
			it.m.id = p.msgID
			p.cur.messages = append(p.cur.messages, it.m)
			p.messages++
		} else {
			p.evID++
			it.e.id = p.evID
			p.cur.events = append(p.cur.events, it.e)
			p.events++
		}
		top.next++
		if top.next == len(top.items) {
			heap.Pop(&p.active)
		} else {
			heap.Fix(&p.active, 0)
		}
		if p.cur.size() >= batchRows {
			if err := p.send(ctx); err != nil {
				return err
			}
		}
	}
	return nil
}

// Median gaps between messages in minutes, by channel: how long an agent
// takes to answer, a customer to come back, and so on.
func gapMinutes(ch model.Channel, from, to role) float64 {
	if from == internalNote || to == internalNote {
		return 20
	}
	var g [4]float64 // customer→agent, agent→customer, customer→customer, agent→agent
	switch ch {
	case model.ChannelEmail:
		g = [4]float64{180, 300, 1200, 90}
	case model.ChannelChat:
		g = [4]float64{4, 2, 2, 1}
	case model.ChannelAPI:
		g = [4]float64{25, 60, 30, 10}
	default:
		g = [4]float64{6, 10, 15, 5}
	}
	switch {
	case from == fromCustomer && to == fromAgent:
		return g[0]
	case from == fromAgent && to == fromCustomer:
		return g[1]
	case from == fromCustomer:
		return g[2]
	}
	return g[3]
}

// gap draws a log-normal gap in ms around the median, between 20 seconds
// and five days. Urgent conversations are answered faster.
func gap(r *rand.Rand, median float64, prio model.Priority, toAgent bool) int64 {
	if toAgent {
		median *= [4]float64{1.6, 1, 0.6, 0.3}[prio]
	}
	ms := median * 60_000 * math.Exp(r.NormFloat64())
	return int64(min(max(ms, 20_000), 5*float64(day)))
}

// plan builds conversation i whole: its row and tags now, its messages and
// events into the active heap.
func (p *producer) plan(r *rand.Rand, i int) {
	id := int64(i + 1)
	t0 := p.s.at[i]
	slot := p.s.contact[i]
	f := p.s.fate[i]
	k := int(p.s.msgs[i])
	contactID := p.contactID[slot]
	who := p.people[slot]
	prev := &p.last[slot]

	followUp := prev.id != 0 && prev.closed != 0 && prev.closed <= t0 && t0-prev.closed < 30*day && r.IntN(5) == 0
	var inboxIdx, topicIdx int
	var priority model.Priority
	if followUp {
		inboxIdx, topicIdx, priority = prev.inbox, prev.topic, prev.priority
	} else {
		inboxIdx = weighted(r, p.inboxWeights)
		weights := p.all
		if p.w.inboxes[inboxIdx].billing {
			weights = p.billing
		}
		topicIdx = weighted(r, weights)
		tp := &topics[topicIdx]
		priority = tp.priority
		if r.IntN(100) < 45 {
			priority = model.Priority(weighted(r, []float64{25, 45, 22, 8}))
		}
		if who.typ == model.ContactVIP && priority < model.PriorityUrgent && r.IntN(2) == 0 {
			priority++
		}
	}
	tp := &topics[topicIdx]
	in := &p.w.inboxes[inboxIdx]
	th := newThread(r, tp, in.channel, who.first, who.company, time.UnixMilli(t0).UTC())
	subject := th.subject(r)
	if followUp {
		subject = prev.subject
	}

	var team int64
	switch x := r.IntN(100); {
	case x < 8:
	case x < 12:
		team = p.w.teams[r.IntN(len(p.w.teams))]
	default:
		team = p.w.teams[tp.team]
	}

	// Who answers: an inbox member, usually of the topic's team.
	agent := p.pickAgent(r, in, tp.team)
	handover, second := -1, agent
	if k >= 4 && r.IntN(12) == 0 {
		handover = k / 2
		second = p.pickAgent(r, in, tp.team)
	}
	unassigned := [6]int{85, 12, 3, 3, 5, 70}[f]
	var assignee int64
	if r.IntN(100) >= unassigned {
		assignee = p.w.users[second].id
	}

	roles := p.roles(r, f, k)

	// Times: offsets from creation, then squeezed into the time left
	// before now if the thread would run past it.
	off := make([]int64, k+1)
	for j := 1; j < k; j++ {
		off[j] = off[j-1] + gap(r, gapMinutes(in.channel, roles[j-1], roles[j]), priority, roles[j] == fromAgent)
	}
	statusOff := off[k-1] // when the final human status change happens
	switch f {
	case fatePending, fateResolved, fateClosed:
		if r.IntN(10) >= 7 {
			statusOff += 60_000 + r.Int64N(29*60_000)
		}
	case fateSpam:
		statusOff += 5*60_000 + r.Int64N(8*3_600_000)
	}
	off[k] = statusOff
	if room := p.now - 60_000 - t0; statusOff > room {
		scale := float64(max(room, 0)) / float64(statusOff)
		for j := range off {
			off[j] = int64(float64(off[j]) * scale)
		}
	}

	items := make([]item, 0, k+6)
	event := func(conv int64, actor int64, action, before, after string, at int64) {
		actorType := string(model.SenderSystem)
		if actor != 0 {
			actorType = string(model.SenderUser)
		}
		items = append(items, item{at: at, e: eventRow{conversation: conv, actorType: actorType, actor: actor,
			action: action, before: before, after: after, created: at}})
	}
	created := map[string]any{"status": model.StatusNew, "inbox_id": in.id, "contact_id": contactID, "subject": subject, "priority": priority}
	if followUp {
		created["previous_conversation_id"] = prev.id
		event(prev.id, 0, "conversation.followed_up", "", fmt.Sprintf(`{"conversation_id":%d}`, id), t0)
	}
	event(id, 0, "conversation.created", "", mustJSON(created), t0)

	// Messages, and the columns the service keeps from them.
	var waiting, firstResponse, lastAt int64
	var lastReply string
	firstAgentAt, firstAgentBy := int64(-1), int64(0)
	writer := func(j int) int {
		if j >= handover && handover >= 0 {
			return second
		}
		return agent
	}
	for j, ro := range roles {
		at := t0 + off[j]
		m := messageRow{conversation: id, kind: string(model.KindReply), created: at}
		switch ro {
		case fromCustomer:
			m.direction, m.senderType, m.sender = string(model.Incoming), string(model.SenderContact), contactID
			m.body = th.customer(r, j == 0)
			if waiting == 0 {
				waiting = at
			}
		case fromAgent:
			u := p.w.users[writer(j)]
			th.agent = u.first
			m.direction, m.senderType, m.sender = string(model.Outgoing), string(model.SenderUser), u.id
			m.body = th.agentReply(r, j == k-1 && (f == fateResolved || f == fateClosed))
			if waiting != 0 && firstResponse == 0 {
				firstResponse = at
			}
			waiting = 0
			if firstAgentAt < 0 {
				firstAgentAt, firstAgentBy = at, u.id
			}
		case internalNote:
			u := p.w.users[writer(j)]
			if r.IntN(5) == 0 {
				u = p.w.users[1+r.IntN(2)] // a supervisor chimes in
			}
			th.agent = u.first
			m.kind, m.direction, m.senderType, m.sender = string(model.KindNote), string(model.Outgoing), string(model.SenderUser), u.id
			m.body = th.note(r)
		}
		if ro != internalNote {
			lastReply = m.body
		}
		lastAt = at
		items = append(items, item{at: at, msg: true, m: m})
	}

	// Status changes as the service records them, then what its jobs do.
	status, changed := model.StatusNew, t0
	var resolvedAt, closedAt int64
	move := func(to model.Status, reason conversation.Action, at, actor int64) {
		event(id, actor, "status.changed", fmt.Sprintf(`{"status":%q}`, status), fmt.Sprintf(`{"reason":%q,"status":%q}`, reason, to), at)
		status, changed = to, at
		switch to {
		case model.StatusResolved:
			resolvedAt, waiting = at, 0
		case model.StatusClosed:
			closedAt, waiting = at, 0
		}
	}
	lastBy := p.w.users[writer(k-1)].id
	if f != fateNew && f != fateSpam {
		move(model.StatusOpen, conversation.ActAgentReply, firstAgentAt, firstAgentBy)
	}
	switch f {
	case fatePending:
		move(model.StatusPending, conversation.ActPend, t0+off[k], lastBy)
	case fateResolved:
		move(model.StatusResolved, conversation.ActResolve, t0+off[k], lastBy)
	case fateClosed:
		move(model.StatusClosed, conversation.ActClose, t0+off[k], lastBy)
	case fateSpam:
		move(model.StatusClosed, conversation.ActClose, t0+off[k], p.w.users[agent].id)
	}
	if status == model.StatusPending && changed+in.autoResolve <= p.now {
		move(model.StatusResolved, conversation.ActAutoResolve, changed+in.autoResolve, 0)
	}
	if status == model.StatusResolved && changed+in.autoClose <= p.now {
		move(model.StatusClosed, conversation.ActAutoClose, changed+in.autoClose, 0)
	}
	updated := max(lastAt, changed)

	// Some conversations being worked on are snoozed until later.
	var snoozed int64
	if (status == model.StatusOpen || status == model.StatusPending) && r.IntN(100) < 15 {
		at := min(updated+60_000+r.Int64N(3_600_000), p.now-1000)
		until := p.now + 3_600_000 + r.Int64N(6*day)
		snoozed = until - until%60_000
		by := assignee
		if by == 0 {
			by = p.w.users[agent].id
		}
		event(id, by, "snooze.changed", `{"snoozed_until":null}`, fmt.Sprintf(`{"snoozed_until":%s}`, mustJSON(time.UnixMilli(snoozed).UTC())), at)
		updated = max(updated, at)
		p.snoozed++
		p.jobs = append(p.jobs, job{conversation.WakeArgs{ConversationID: id, SnoozedUntil: snoozed}, time.UnixMilli(snoozed)})
	}
	switch status {
	case model.StatusPending:
		p.jobs = append(p.jobs, job{conversation.AutoResolveArgs{ConversationID: id, StatusChangedAt: changed}, time.UnixMilli(changed + in.autoResolve)})
	case model.StatusResolved:
		p.jobs = append(p.jobs, job{conversation.AutoCloseArgs{ConversationID: id, StatusChangedAt: changed}, time.UnixMilli(changed + in.autoClose)})
	}

	var prevID int64
	if followUp {
		prevID = prev.id
	}
	p.cur.conversations = append(p.cur.conversations, conversationRow{
		id: id, inbox: in.id, contact: contactID, subject: subject, status: string(status), priority: int64(priority),
		assignee: assignee, team: team, snoozed: snoozed, previous: prevID, messages: int64(k), preview: preview(lastReply),
		created: t0, updated: updated, activity: lastAt, changed: changed,
		firstResponse: firstResponse, resolved: resolvedAt, closed: closedAt, waiting: waiting,
	})
	p.conversations++
	p.byStatus[status]++
	for _, tag := range p.pickTags(r, tp, f, who.typ) {
		p.cur.tags = append(p.cur.tags, tagRow{conversation: id, tag: p.w.tags[tag]})
		p.convTags++
	}
	*prev = previous{id: id, closed: closedAt, inbox: inboxIdx, topic: topicIdx, priority: priority, subject: subject}

	slices.SortStableFunc(items, func(a, b item) int { return cmp.Compare(a.at, b.at) })
	heap.Push(&p.active, &pendingConv{id: id, items: items})
}

// roles draws who writes each message. A thread starts with the customer
// and ends as its fate needs: with an agent's reply when an agent moved
// it on, or with the customer waiting.
func (p *producer) roles(r *rand.Rand, f fate, k int) []role {
	roles := make([]role, k)
	if f == fateNew || f == fateSpam {
		return roles // all from the customer
	}
	last := fromCustomer
	for j := 1; j < k; j++ {
		switch {
		case j >= 2 && r.IntN(100) < 7:
			roles[j] = internalNote
			continue
		case last == fromCustomer && r.IntN(100) < 85, last == fromAgent && r.IntN(100) >= 80:
			roles[j] = fromAgent
		default:
			roles[j] = fromCustomer
		}
		last = roles[j]
	}
	waiting := f == fateOpen && k >= 3 && r.IntN(100) < 60
	if !waiting {
		roles[k-1] = fromAgent
		return roles
	}
	roles[k-1] = fromCustomer
	if !slices.Contains(roles[1:k-1], fromAgent) {
		roles[1] = fromAgent
	}
	return roles
}

// pickAgent picks an inbox member, usually one of the topic's team.
func (p *producer) pickAgent(r *rand.Rand, in *inbox, team int) int {
	if r.IntN(5) > 0 {
		var mates []int
		for _, m := range in.members {
			if slices.Contains(p.w.users[m].teams, team) {
				mates = append(mates, m)
			}
		}
		if len(mates) > 0 {
			return pick(r, mates)
		}
	}
	return pick(r, in.members)
}

// pickTags gives 0–3 tags, mostly the topic's own.
func (p *producer) pickTags(r *rand.Rand, tp *topic, f fate, typ model.ContactType) []string {
	if f == fateSpam {
		return []string{"spam"}
	}
	n := weighted(r, []float64{25, 35, 25, 15})
	var tags []string
	for len(tags) < n {
		t := pick(r, tp.tags)
		if r.IntN(4) == 0 {
			t = pick(r, generalTags)
		}
		if !slices.Contains(tags, t) {
			tags = append(tags, t)
		}
	}
	if typ == model.ContactVIP && len(tags) < 3 && !slices.Contains(tags, "vip") && r.IntN(2) == 0 {
		tags = append(tags, "vip")
	}
	return tags
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // only maps of plain values and times reach here
	}
	return string(b)
}
