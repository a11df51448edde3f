// Package demo fills an empty database with a believable helpdesk: the
// support team of Brightwave, a small smart-lighting company, with a month
// of customer conversations behind it.
//
// Everything is made through the domain services, so every conversation
// has the event history a real one would have. The story is replayed on a
// clock that starts weeks ago and moves forward; the timers the services
// schedule (auto-resolve, auto-close, snooze wake-ups) are replayed on that
// same clock when they fall due before now, so what is left for the job
// queue when the server starts lies in the future.
package demo

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/parley-hq/parley/internal/account"
	"github.com/parley-hq/parley/internal/app"
	"github.com/parley-hq/parley/internal/apperr"
	"github.com/parley-hq/parley/internal/contact"
	"github.com/parley-hq/parley/internal/conversation"
	"github.com/parley-hq/parley/internal/model"
	"github.com/parley-hq/parley/internal/sla"
)

// AdminEmail and Password are the demo admin's login. Every demo user has
// the same password, so one can sign in as an agent to see what they see.
const (
	AdminEmail = "admin@demo.parley.test"
	Password   = "parley-demo"
)

// Login is what the demo prints for a newcomer.
type Login struct {
	Email, Password, Token string
}

// seed makes the demo the same every time, apart from when "now" is.
const seed = 20260302

// Seed fills an empty database and returns the admin's login. On a
// database that has users it changes nothing: it returns a fresh login for
// the demo admin if there is one (so a restart still prints a usable
// login), and nil otherwise.
func Seed(ctx context.Context, a *app.App) (*Login, error) {
	n, err := a.Store.CountUsers(ctx)
	if err != nil {
		return nil, err
	}
	if n > 0 {
		return existingLogin(ctx, a)
	}
	began := time.Now()
	s := newSeeder(a)
	if err := s.run(ctx); err != nil {
		if apperr.KindOf(err) == apperr.KindConflict && s.admin.UserID == 0 {
			// Another node seeded first (two nodes started with --demo).
			return existingLogin(ctx, a)
		}
		return nil, err
	}
	if err := seedAutomation(ctx, a, s.admin); err != nil {
		return nil, err
	}
	// The seeder writes months of history straight to the tables; the
	// reports read facts derived from it, so derive them once here.
	if _, err := a.Reports.Rebuild(ctx); err != nil {
		return nil, err
	}
	secret, _, err := a.Accounts.CreateToken(ctx, model.System, s.admin.UserID, "demo")
	if err != nil {
		return nil, err
	}
	a.Config.Logger.Info("demo helpdesk seeded", "users", len(staff), "contacts", len(s.people),
		"conversations", s.conversations, "took", time.Since(began).Round(time.Millisecond))
	return &Login{Email: AdminEmail, Password: Password, Token: secret}, nil
}

func existingLogin(ctx context.Context, a *app.App) (*Login, error) {
	u, err := a.Accounts.UserByEmail(ctx, AdminEmail)
	if apperr.KindOf(err) == apperr.KindNotFound {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	password := Password
	if !account.CheckPassword(u.PasswordHash, Password) {
		password = "(changed since the demo was seeded)"
	}
	secret, _, err := a.Accounts.CreateToken(ctx, model.System, u.ID, "demo")
	if err != nil {
		return nil, err
	}
	return &Login{Email: u.Email, Password: password, Token: secret}, nil
}

// agent is a demo user who answers conversations.
type agent struct {
	actor model.Actor
	first string
	teams []string
}

func (g *agent) inTeam(team string) bool {
	for _, t := range g.teams {
		if t == team {
			return true
		}
	}
	return false
}

// inbox is a demo inbox and who answers in it.
type inbox struct {
	id      int64
	channel model.Channel
	weight  int
	// agents are the members who are agents (admins and supervisors see all).
	agents      []*agent
	autoResolve time.Duration
	autoClose   time.Duration
}

// person is a demo contact.
type person struct {
	id                  int64
	first, name, email  string
	phone, company, dom string
	city                string
	typ                 model.ContactType
}

// seeder holds one seeding run: the services on the story's clock, the
// cast, and the timeline of steps still to play.
type seeder struct {
	rng *rand.Rand
	// now is when the story ends: the app's present.
	now time.Time
	// clock is the story's present, which only moves forward.
	clock time.Time

	accounts *account.Service
	contacts *contact.Service
	convs    *conversation.Service
	sla      *sla.Service

	admin, super  model.Actor
	agents        []*agent
	teams         map[string]int64
	inboxes       []*inbox
	people        []*person
	timeline      timeline
	seq           int
	conversations int
}

func newSeeder(a *app.App) *seeder {
	s := &seeder{rng: rand.New(rand.NewPCG(seed, seed>>3)), now: a.Config.Now().UTC().Truncate(time.Millisecond)}
	clock := func() time.Time { return s.clock }
	s.accounts = account.New(a.Store, clock)
	s.contacts = contact.New(a.Store, clock, nil)
	s.convs = conversation.New(a.Store, a.Jobs, clock, nil)
	s.sla = sla.New(a.Store, s.convs, a.Jobs, clock, a.Config.Logger)
	return s
}

func (s *seeder) run(ctx context.Context) error {
	s.clock = s.now.Add(-120 * 24 * time.Hour)
	if err := s.makeStaff(ctx); err != nil {
		return err
	}
	if err := s.makeSLA(ctx); err != nil {
		return err
	}
	if err := s.makeContacts(ctx); err != nil {
		return err
	}
	s.planConversations()
	return s.play(ctx)
}

func (s *seeder) makeStaff(ctx context.Context) error {
	users := map[string]model.Actor{}
	for _, m := range staff {
		u, err := s.accounts.CreateUser(ctx, model.System, account.UserCreateRequest{Email: m.email, Name: m.name, Role: m.role, Password: Password})
		if err != nil {
			return fmt.Errorf("user %s: %w", m.email, err)
		}
		actor := model.Actor{UserID: u.ID, Role: u.Role, Name: u.Name}
		users[m.email] = actor
		switch m.role {
		case model.RoleAdmin:
			s.admin = actor
		case model.RoleSupervisor:
			s.super = actor
		default:
			s.agents = append(s.agents, &agent{actor: actor, first: strings.Fields(m.name)[0], teams: m.teams})
		}
		s.clock = s.clock.Add(time.Duration(1+s.rng.IntN(48)) * time.Hour)
	}
	s.teams = map[string]int64{}
	for _, name := range []string{teamBilling, teamTechnical, teamSuccess} {
		t, err := s.accounts.CreateTeam(ctx, s.admin, account.TeamCreateRequest{Name: name})
		if err != nil {
			return err
		}
		s.teams[name] = t.ID
	}
	for _, m := range staff {
		for _, team := range m.teams {
			if _, err := s.accounts.AddTeamMember(ctx, s.admin, s.teams[team], users[m.email].UserID); err != nil {
				return err
			}
		}
	}
	for _, spec := range inboxSpecs {
		in, err := s.accounts.CreateInbox(ctx, s.admin, account.InboxCreateRequest{Name: spec.name, Channel: spec.channel, Settings: json.RawMessage(spec.settings)})
		if err != nil {
			return err
		}
		box := &inbox{id: in.ID, channel: spec.channel, weight: spec.weight, autoResolve: in.Inbox.AutoResolveAfter, autoClose: in.Inbox.AutoCloseAfter}
		for _, m := range staff {
			if !contains(m.inboxes, spec.key) {
				continue
			}
			if _, err := s.accounts.AddInboxMember(ctx, s.admin, in.ID, users[m.email].UserID); err != nil {
				return err
			}
			for _, g := range s.agents {
				if g.actor.UserID == users[m.email].UserID {
					box.agents = append(box.agents, g)
				}
			}
		}
		s.inboxes = append(s.inboxes, box)
	}
	return nil
}

// Contact mix: mostly customers, a few VIPs, leads and reseller partners.
const (
	numCustomers = 86
	numVIPs      = 12
	numLeads     = 14
	numPartners  = 8
)

func (s *seeder) makeContacts(ctx context.Context) error {
	var types []model.ContactType
	for _, mix := range []struct {
		typ model.ContactType
		n   int
	}{{model.ContactCustomer, numCustomers}, {model.ContactVIP, numVIPs}, {model.ContactLead, numLeads}, {model.ContactPartner, numPartners}} {
		for range mix.n {
			types = append(types, mix.typ)
		}
	}
	s.rng.Shuffle(len(types), func(i, j int) { types[i], types[j] = types[j], types[i] })

	// The attributes the demo's contacts carry, defined as an admin would.
	for _, d := range []contact.AttributeDefCreateRequest{
		{Key: "city", Label: "City", Type: model.AttrText},
		{Key: "plan", Label: "Plan", Type: model.AttrChoice, Choices: []string{"Free", "Plus"}},
		{Key: "lifetime_value", Label: "Lifetime value (USD)", Type: model.AttrNumber},
		{Key: "source", Label: "Lead source", Type: model.AttrChoice, Choices: []string{"pricing page", "trade fair", "referral", "webinar"}},
		{Key: "terms", Label: "Payment terms", Type: model.AttrText},
	} {
		if _, err := s.contacts.CreateAttribute(ctx, s.admin, d); err != nil {
			return fmt.Errorf("attribute %s: %w", d.Key, err)
		}
	}
	usedName := map[string]bool{}
	usedCompany := map[string]bool{}
	span := 85 * 24 * time.Hour // contacts trickle in before the story starts
	step := span / time.Duration(len(types))
	for i, typ := range types {
		p := &person{typ: typ, city: pick(s.rng, cities)}
		for {
			p.first = pick(s.rng, firstNames)
			p.name = p.first + " " + pick(s.rng, lastNames)
			if !usedName[p.name] {
				usedName[p.name] = true
				break
			}
		}
		attrs := map[string]any{"city": p.city}
		switch typ {
		case model.ContactPartner:
			p.company = pick(s.rng, partners)
			for usedCompany[p.company] {
				p.company = pick(s.rng, partners)
			}
			usedCompany[p.company] = true
			attrs["terms"] = "net-30"
		case model.ContactVIP, model.ContactLead:
			p.company = pick(s.rng, companies)
		}
		switch typ {
		case model.ContactCustomer:
			attrs["plan"] = pick(s.rng, []string{"Free", "Free", "Plus"})
		case model.ContactVIP:
			attrs["plan"], attrs["lifetime_value"] = "Plus", 2000+100*s.rng.IntN(80)
		case model.ContactLead:
			attrs["source"] = pick(s.rng, []string{"pricing page", "trade fair", "referral", "webinar"})
		}
		p.dom = pick(s.rng, personalDomains)
		if p.company != "" {
			p.dom = slug(p.company) + ".example"
		}
		local := strings.ToLower(ascii(p.first) + "." + ascii(strings.Fields(p.name)[1]))
		p.email = local + "@" + p.dom
		// Numbers from ranges reserved for fiction: US 555-01xx, UK 07700 900xxx.
		if s.rng.IntN(10) < 8 || typ == model.ContactPartner {
			if s.rng.IntN(2) == 0 {
				p.phone = fmt.Sprintf("+1 %d 555 01%02d", 201+(i*37)%700, i%100)
			} else {
				p.phone = fmt.Sprintf("+44 7700 900%03d", i)
			}
		}
		raw, _ := json.Marshal(attrs)
		s.clock = s.now.Add(-120*24*time.Hour + 72*time.Hour + time.Duration(i)*step + time.Duration(s.rng.Int64N(int64(step))))
		c, err := s.contacts.Create(ctx, s.admin, contact.CreateRequest{Name: p.name, Type: typ, Email: p.email, Phone: p.phone, Attributes: raw,
			ProfileFields: contact.ProfileFields{Company: &p.company}})
		if err != nil {
			return fmt.Errorf("contact %s: %w", p.email, err)
		}
		p.id = c.ID
		s.people = append(s.people, p)
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func pick[T any](r *rand.Rand, list []T) T { return list[r.IntN(len(list))] }

// between returns a random duration in [lo, hi).
func between(r *rand.Rand, lo, hi time.Duration) time.Duration {
	return lo + time.Duration(r.Int64N(int64(hi-lo)))
}

// slug makes a domain label from a company name.
func slug(name string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(ascii(name)) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// ascii folds the accented letters the name lists use, for email addresses.
func ascii(s string) string {
	return strings.NewReplacer("ü", "u", "á", "a", "é", "e", "è", "e", "ñ", "n", "ö", "o", "å", "a", "'", "", "&", "and").Replace(s)
}
