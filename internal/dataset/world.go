package dataset

import (
	"context"
	"strings"

	"github.com/parley-hq/parley/internal/model"
	"github.com/parley-hq/parley/internal/store"
)

// world is the helpdesk around the conversations: who works where.
type world struct {
	users   []user
	teams   []int64 // ids, by index into teamNames
	inboxes []inbox
	tags    map[string]int64 // ids by name
	// allTags are the names of every topic's tags, then the general ones.
	allTags []string
}

type user struct {
	id    int64
	first string
	role  model.Role
	teams []int
}

type inbox struct {
	id      int64
	channel model.Channel
	weight  int
	billing bool
	// members are indexes into world.users.
	members     []int
	autoResolve int64 // ms
	autoClose   int64 // ms
}

// setup creates users, teams, inboxes and tags through the store, as an
// admin would have, a month before the first conversation.
func setup(ctx context.Context, st *store.Store, opts Options) (*world, error) {
	w := &world{tags: map[string]int64{}}
	created := opts.Now.AddDate(0, 0, -opts.Days-30)
	seen := map[string]bool{}
	for _, tp := range topics {
		for _, t := range tp.tags {
			if !seen[t] {
				seen[t] = true
				w.allTags = append(w.allTags, t)
			}
		}
	}
	for _, t := range append(generalTags, "spam") {
		if !seen[t] {
			seen[t] = true
			w.allTags = append(w.allTags, t)
		}
	}
	err := st.InTx(ctx, func(tx *store.Tx) error {
		for _, name := range teamNames {
			id, err := tx.CreateTeam(ctx, name, created)
			if err != nil {
				return err
			}
			w.teams = append(w.teams, id)
		}
		for _, spec := range inboxSpecs {
			id, err := tx.CreateInbox(ctx, model.Inbox{Name: spec.name, Channel: spec.channel, Settings: []byte(spec.settings),
				AutoResolveAfter: model.DefaultAutoResolveAfter, AutoCloseAfter: model.DefaultAutoCloseAfter,
				ReopenWindow: model.DefaultReopenWindow, CreatedAt: created})
			if err != nil {
				return err
			}
			w.inboxes = append(w.inboxes, inbox{id: id, channel: spec.channel, weight: spec.weight, billing: spec.billing,
				autoResolve: model.DefaultAutoResolveAfter.Milliseconds(), autoClose: model.DefaultAutoCloseAfter.Milliseconds()})
		}
		for i, s := range staff {
			first, _, _ := strings.Cut(s.name, " ")
			email := strings.ToLower(ascii(first)) + "@" + staffDomain
			if s.role == model.RoleAdmin {
				email = "admin@" + staffDomain
			}
			// No password: sign in with `parley admin create-token` or set one.
			id, err := tx.CreateUser(ctx, model.User{Email: email, Name: s.name, Role: s.role, Available: true,
				Capacity: 0, CreatedAt: created})
			if err != nil {
				return err
			}
			w.users = append(w.users, user{id: id, first: first, role: s.role, teams: s.teams})
			for _, t := range s.teams {
				if err := tx.AddTeamMember(ctx, w.teams[t], id); err != nil {
					return err
				}
			}
			for _, in := range s.inboxes {
				if err := tx.AddInboxMember(ctx, w.inboxes[in].id, id); err != nil {
					return err
				}
				w.inboxes[in].members = append(w.inboxes[in].members, i)
			}
		}
		for _, name := range w.allTags {
			id, err := tx.EnsureTag(ctx, name)
			if err != nil {
				return err
			}
			w.tags[name] = id
		}
		return nil
	})
	return w, err
}

// AdminEmail is the generated admin's login, for `parley admin create-token`.
const AdminEmail = "admin@" + staffDomain

// ascii folds the accented letters of the name lists for addresses.
func ascii(s string) string {
	return strings.NewReplacer("á", "a", "é", "e", "è", "e", "í", "i", "ó", "o", "ú", "u", "ü", "u", "ö", "o",
		"ä", "a", "ñ", "n", "ç", "c", "ı", "i", "ś", "s", "ł", "l", "'", "", " ", "", "É", "E").Replace(s)
}
