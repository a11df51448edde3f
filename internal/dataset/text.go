package dataset

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/parley-hq/parley/internal/model"
)

// thread is what one conversation's text talks about: the same order,
// product and numbers come back in every message of it, as in a real one.
type thread struct {
	topic    *topic
	channel  model.Channel
	name     string // the customer's first name
	agent    string // the first name of who answers
	product  string
	product2 string
	order    string
	amount   string
	date     string
	days     string
	weekday  string
	month    string
	tracking string
	carrier  string
	city     string
	room     string
	color    string
	device   string
	router   string
	version  string
	firmware string
	errCode  string
	invoice  string
	vat      string
	company  string
	plan     string
	feature  string
	serial   string
	ticket   string
	last4    string
	ref      string
}

// newThread draws a thread's facts. Numbers are wide enough that order and
// tracking numbers are nearly unique words, as they are in real mail.
func newThread(r *rand.Rand, tp *topic, ch model.Channel, name, company string, created time.Time) *thread {
	const trackChars = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"
	var track [16]byte
	for i := range track {
		track[i] = trackChars[r.IntN(len(trackChars))]
	}
	p1 := pick(r, products)
	p2 := pick(r, products)
	for p2 == p1 {
		p2 = pick(r, products)
	}
	if company == "" {
		company = pick(r, companies)
	}
	return &thread{
		topic: tp, channel: ch, name: name, company: company,
		product: p1, product2: p2,
		order:    fmt.Sprintf("%08d", 10_000_000+r.IntN(89_999_999)),
		amount:   pick(r, prices),
		date:     created.AddDate(0, 0, -1-r.IntN(20)).Format("January 2"),
		days:     pick(r, numberWords),
		weekday:  pick(r, weekdays),
		month:    pick(r, months),
		tracking: "1Z" + string(track[:]),
		carrier:  pick(r, carriers),
		city:     pick(r, cities),
		room:     pick(r, rooms),
		color:    pick(r, colors),
		device:   pick(r, phones),
		router:   pick(r, routers),
		version:  fmt.Sprintf("%d.%d.%d", 3+r.IntN(3), r.IntN(20), r.IntN(10)),
		firmware: fmt.Sprintf("%d.%d.%d", 2, r.IntN(12), r.IntN(30)),
		errCode:  fmt.Sprintf("E-%03d", 100+r.IntN(400)),
		invoice:  fmt.Sprintf("INV-%d-%06d", created.Year(), r.IntN(1_000_000)),
		vat:      fmt.Sprintf("%s%09d", pick(r, []string{"GB", "DE", "NL", "IE", "FR", "SE"}), r.IntN(1_000_000_000)),
		plan:     pick(r, plans),
		feature:  pick(r, features),
		serial:   fmt.Sprintf("BW%X", r.Uint32()),
		ticket:   fmt.Sprintf("ENG-%d", 1000+r.IntN(9000)),
		last4:    fmt.Sprintf("%04d", r.IntN(10000)),
		ref:      fmt.Sprintf("%010d", r.Int64N(10_000_000_000)),
	}
}

// slot returns the value of a {name} in a template.
func (t *thread) slot(name string) string {
	switch name {
	case "name":
		return t.name
	case "agent":
		return t.agent
	case "product":
		return t.product
	case "product2":
		return t.product2
	case "order":
		return t.order
	case "amount":
		return t.amount
	case "date":
		return t.date
	case "days":
		return t.days
	case "weekday":
		return t.weekday
	case "month":
		return t.month
	case "tracking":
		return t.tracking
	case "carrier":
		return t.carrier
	case "city":
		return t.city
	case "room":
		return t.room
	case "color":
		return t.color
	case "device":
		return t.device
	case "router":
		return t.router
	case "version":
		return t.version
	case "firmware":
		return t.firmware
	case "error":
		return t.errCode
	case "invoice":
		return t.invoice
	case "vat":
		return t.vat
	case "company":
		return t.company
	case "plan":
		return t.plan
	case "feature":
		return t.feature
	case "serial":
		return t.serial
	case "ticket":
		return t.ticket
	case "last4":
		return t.last4
	case "ref":
		return t.ref
	}
	return "{" + name + "}"
}

// fill writes tpl to b with its slots filled in.
func (t *thread) fill(b *strings.Builder, tpl string) {
	for {
		i := strings.IndexByte(tpl, '{')
		if i < 0 {
			b.WriteString(tpl)
			return
		}
		j := strings.IndexByte(tpl[i:], '}')
		if j < 0 {
			b.WriteString(tpl)
			return
		}
		b.WriteString(tpl[:i])
		b.WriteString(t.slot(tpl[i+1 : i+j]))
		tpl = tpl[i+j+1:]
	}
}

func (t *thread) text(tpl string) string {
	var b strings.Builder
	t.fill(&b, tpl)
	return b.String()
}

// long reports whether the channel writes letters rather than chat lines.
func (t *thread) long() bool { return t.channel == model.ChannelEmail }

// sentences writes n distinct-ish sentences from pool, space separated.
func (t *thread) sentences(r *rand.Rand, b *strings.Builder, pool []string, n int) {
	start := r.IntN(len(pool))
	for i := range n {
		if i > 0 {
			b.WriteByte(' ')
		}
		t.fill(b, pool[(start+i)%len(pool)])
	}
}

// subject is the conversation's subject line; chats often have none.
func (t *thread) subject(r *rand.Rand) string {
	if !t.long() && r.IntN(4) == 0 {
		return ""
	}
	return t.text(pick(r, t.topic.subjects))
}

// customer writes the customer's message: the opening one, or a later one.
func (t *thread) customer(r *rand.Rand, first bool) string {
	var b strings.Builder
	if !t.long() {
		if !first && r.IntN(3) == 0 {
			return pick(r, chatFollowups)
		}
		pool := t.topic.details
		if first {
			pool = t.topic.asks
		}
		t.sentences(r, &b, pool, 1+r.IntN(2))
		return b.String()
	}
	b.WriteString(pick(r, customerGreetings))
	b.WriteString("\n\n")
	if first {
		t.sentences(r, &b, t.topic.asks, 1+r.IntN(2))
		if r.IntN(2) == 0 {
			b.WriteByte(' ')
			t.sentences(r, &b, t.topic.details, 1)
		}
	} else {
		t.sentences(r, &b, t.topic.details, 1+r.IntN(2))
	}
	if r.IntN(2) == 0 {
		b.WriteByte(' ')
		t.sentences(r, &b, customerFillers, 1+r.IntN(2))
	}
	b.WriteString("\n\n")
	b.WriteString(pick(r, customerSignoffs))
	b.WriteByte('\n')
	b.WriteString(t.name)
	return b.String()
}

// agentReply writes an agent's reply; last marks the one that settles it.
func (t *thread) agentReply(r *rand.Rand, last bool) string {
	var b strings.Builder
	pool := t.topic.answers
	if last {
		pool = t.topic.fixes
	}
	if !t.long() {
		if r.IntN(3) == 0 {
			t.fill(&b, pick(r, agentGreetings))
			b.WriteByte(' ')
		}
		t.sentences(r, &b, pool, 1+r.IntN(2))
		return b.String()
	}
	t.fill(&b, pick(r, agentGreetings))
	b.WriteString("\n\n")
	t.sentences(r, &b, pool, 1+r.IntN(2))
	b.WriteByte(' ')
	t.sentences(r, &b, agentFillers, 1+r.IntN(2))
	b.WriteString("\n\n")
	b.WriteString(pick(r, agentSignoffs))
	b.WriteByte('\n')
	b.WriteString(t.agent)
	b.WriteString(", Brightwave Support")
	return b.String()
}

// note writes an internal note.
func (t *thread) note(r *rand.Rand) string {
	return t.text(pick(r, notes))
}

// maxPreview matches the conversation service's preview length.
const maxPreview = 160

// preview is the conversation service's preview of a message body.
func preview(body string) string {
	body = strings.Join(strings.Fields(body), " ")
	if utf8.RuneCountInString(body) <= maxPreview {
		return body
	}
	rs := []rune(body)
	return string(rs[:maxPreview-1]) + "…"
}

func pick[T any](r *rand.Rand, list []T) T { return list[r.IntN(len(list))] }
