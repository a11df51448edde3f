package httpapi

import (
	"net/http"

	"github.com/parley-hq/parley/internal/automation"
	"github.com/parley-hq/parley/internal/model"
)

// Templates, macros, automation rules, inbox routing and CSAT (issue #6).

func (a *api) listTemplates(w http.ResponseWriter, r *http.Request) {
	if err := onlyParams(r); err != nil {
		writeError(w, r, err)
		return
	}
	items, err := a.Templates.List(r.Context(), principal(r).Actor())
	respond(w, r, http.StatusOK, list[model.Template]{Items: items}, err)
}

func (a *api) listMacros(w http.ResponseWriter, r *http.Request) {
	if err := onlyParams(r); err != nil {
		writeError(w, r, err)
		return
	}
	items, err := a.Macros.List(r.Context(), principal(r).Actor())
	respond(w, r, http.StatusOK, list[model.Macro]{Items: items}, err)
}

func (a *api) listRules(w http.ResponseWriter, r *http.Request) {
	if err := onlyParams(r); err != nil {
		writeError(w, r, err)
		return
	}
	items, err := a.Automation.List(r.Context(), principal(r).Actor())
	respond(w, r, http.StatusOK, list[automation.Rule]{Items: items}, err)
}

func (a *api) applyMacro(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id", "conversation")
	if err != nil {
		writeError(w, r, err)
		return
	}
	macroID, err := pathID(r, "macro_id", "macro")
	if err != nil {
		writeError(w, r, err)
		return
	}
	c, err := a.Conversations.ApplyMacro(r.Context(), principal(r).Actor(), id, macroID)
	respond(w, r, http.StatusOK, c, err)
}
