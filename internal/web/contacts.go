package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/parley-hq/parley/internal/apperr"
	"github.com/parley-hq/parley/internal/contact"
	"github.com/parley-hq/parley/internal/model"
	"github.com/parley-hq/parley/internal/page"
	"github.com/parley-hq/parley/internal/store"
)

// attrField is one defined attribute on the profile form, with the
// contact's value as the form control shows it.
type attrField struct {
	Def   model.AttributeDef
	Value string
}

// attrValue is a stored attribute no definition describes (any more).
type attrValue struct {
	Key, Value string
}

type contactPageData struct {
	Title      string
	Me         model.User
	CSRF       string
	Contact    model.Contact
	MergedInto *model.Contact
	// Erasure is set once the contact was erased.
	Erasure    *model.ContactErasure
	Fields     []attrField
	Undefined  []attrValue
	Notes      []model.ContactNote
	Timeline   contact.TimelinePage
	Duplicates []store.Duplicate
	Merges     []model.ContactMerge
	InboxNames map[int64]string
	Types      []model.ContactType
	Stages     []model.LifecycleStage
	Channels   []model.Channel
}

// contactPage is a customer's profile: fields, attributes, identities,
// notes, the journey across channels, duplicates, merge and unmerge.
func (a *App) contactPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p := principal(r)
	actor := p.Actor()
	id, _ := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	c, err := a.Contacts.Get(ctx, actor, id)
	if apperr.KindOf(err) == apperr.KindNotFound {
		http.Error(w, "no such contact", http.StatusNotFound)
		return
	} else if err != nil {
		a.fail(w, r, err)
		return
	}
	d := &contactPageData{Title: c.Name, Me: p.User, CSRF: p.CSRFToken, Contact: c, InboxNames: map[int64]string{},
		Types:    []model.ContactType{model.ContactCustomer, model.ContactVIP, model.ContactLead, model.ContactPartner},
		Stages:   []model.LifecycleStage{model.StageLead, model.StageTrial, model.StageCustomer, model.StageChurned},
		Channels: []model.Channel{model.ChannelEmail, model.ChannelChat, model.ChannelAPI, model.ChannelPhone}}
	if c.MergedIntoID != nil {
		into, err := a.Contacts.Get(ctx, actor, *c.MergedIntoID)
		if err != nil {
			a.fail(w, r, err)
			return
		}
		d.MergedInto = &into
	}
	if c.ErasedAt != nil {
		er, err := a.Contacts.Erasure(ctx, actor, id)
		if err == nil {
			d.Erasure = &er
		} else if apperr.KindOf(err) != apperr.KindNotFound {
			a.fail(w, r, err)
			return
		}
	}
	defs, err := a.Contacts.Attributes(ctx, actor)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	values := map[string]any{}
	dec := json.NewDecoder(strings.NewReader(string(c.Attributes)))
	dec.UseNumber()
	_ = dec.Decode(&values)
	for _, def := range defs {
		f := attrField{Def: def}
		if v, ok := values[def.Key]; ok {
			f.Value = fmt.Sprint(v)
			delete(values, def.Key)
		}
		d.Fields = append(d.Fields, f)
	}
	for k, v := range values {
		d.Undefined = append(d.Undefined, attrValue{Key: k, Value: fmt.Sprint(v)})
	}
	sort.Slice(d.Undefined, func(i, j int) bool { return d.Undefined[i].Key < d.Undefined[j].Key })
	if d.Notes, err = a.Contacts.Notes(ctx, actor, id, 0, page.DefaultLimit); err != nil {
		a.fail(w, r, err)
		return
	}
	if d.Timeline, err = a.Contacts.Timeline(ctx, actor, id, "", page.DefaultLimit); err != nil {
		a.fail(w, r, err)
		return
	}
	if c.MergedIntoID == nil {
		if d.Duplicates, err = a.Contacts.Duplicates(ctx, actor, id); err != nil {
			a.fail(w, r, err)
			return
		}
		if d.Merges, err = a.Contacts.Merges(ctx, actor, id); err != nil {
			a.fail(w, r, err)
			return
		}
	}
	inboxes, err := a.Accounts.ListInboxes(ctx, actor)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	for _, in := range inboxes {
		d.InboxNames[in.ID] = in.Name
	}
	a.render(w, r, "contact", "layout", http.StatusOK, d)
}

type attributesPageData struct {
	Title string
	Me    model.User
	CSRF  string
	Defs  []model.AttributeDef
	Types []model.AttributeType
}

// attributesPage lets admins define the custom attributes of contacts.
func (a *App) attributesPage(w http.ResponseWriter, r *http.Request) {
	p := principal(r)
	if p.User.Role != model.RoleAdmin {
		http.Error(w, "only admins define contact attributes", http.StatusForbidden)
		return
	}
	defs, err := a.Contacts.Attributes(r.Context(), p.Actor())
	if err != nil {
		a.fail(w, r, err)
		return
	}
	a.render(w, r, "attributes", "layout", http.StatusOK, attributesPageData{Title: "Contact attributes", Me: p.User, CSRF: p.CSRFToken, Defs: defs,
		Types: []model.AttributeType{model.AttrText, model.AttrNumber, model.AttrDate, model.AttrBoolean, model.AttrChoice}})
}

// pageToSignInFor reports whether a signed-out visit to path should go
// through the sign-in page and come back, as a whole page does.
func pageToSignInFor(path string) bool {
	return (strings.HasPrefix(path, "/contacts/") && !strings.HasSuffix(path, "/journey")) || path == "/settings/contact-attributes"
}

// journeyEntry is a timeline entry with the inbox names to show it.
type journeyEntry struct {
	E       model.TimelineEntry
	Inboxes map[int64]string
}

// journeyFragment renders the next page of a contact's journey for the
// "Show older" button.
func (a *App) journeyFragment(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	actor := principal(r).Actor()
	id, _ := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	tl, err := a.Contacts.Timeline(ctx, actor, id, r.URL.Query().Get("cursor"), page.DefaultLimit)
	switch apperr.KindOf(err) {
	case apperr.KindNotFound:
		http.Error(w, "no such contact", http.StatusNotFound)
		return
	case apperr.KindInvalid:
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if err != nil {
		a.fail(w, r, err)
		return
	}
	inboxes, err := a.Accounts.ListInboxes(ctx, actor)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	names := map[int64]string{}
	for _, in := range inboxes {
		names[in.ID] = in.Name
	}
	w.Header().Set("X-Next-Cursor", tl.NextCursor)
	a.render(w, r, "contact", "journey-page", http.StatusOK, journeyPage{Items: tl.Items, Inboxes: names})
}

type journeyPage struct {
	Items   []model.TimelineEntry
	Inboxes map[int64]string
}
