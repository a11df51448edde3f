package conversation

import (
	"strings"
	"testing"

	"github.com/parley-hq/parley/internal/apperr"
	"github.com/parley-hq/parley/internal/model"
)

// TestEveryTransition checks every (status, action) pair against a table
// written out by hand, independently of the transitions map. "-" means
// the pair is refused with a conflict.
func TestEveryTransition(t *testing.T) {
	const refused = "-"
	want := map[model.Status]map[Action]string{
		model.StatusNew: {
			ActOpen: "open", ActPend: "pending", ActResolve: "resolved", ActClose: "closed",
			ActAgentReply: "open", ActNote: "new", ActCustomerMessage: "new",
			ActAutoResolve: refused, ActAutoClose: refused, ActEdit: "new",
		},
		model.StatusOpen: {
			ActOpen: "open", ActPend: "pending", ActResolve: "resolved", ActClose: "closed",
			ActAgentReply: "open", ActNote: "open", ActCustomerMessage: "open",
			ActAutoResolve: refused, ActAutoClose: refused, ActEdit: "open",
		},
		model.StatusPending: {
			ActOpen: "open", ActPend: "pending", ActResolve: "resolved", ActClose: "closed",
			ActAgentReply: "pending", ActNote: "pending", ActCustomerMessage: "open",
			ActAutoResolve: "resolved", ActAutoClose: refused, ActEdit: "pending",
		},
		model.StatusResolved: {
			ActOpen: "open", ActPend: "pending", ActResolve: "resolved", ActClose: "closed",
			ActAgentReply: "resolved", ActNote: "resolved", ActCustomerMessage: "open",
			ActAutoResolve: refused, ActAutoClose: "closed", ActEdit: "resolved",
		},
		model.StatusClosed: {
			ActOpen: refused, ActPend: refused, ActResolve: refused, ActClose: "closed",
			ActAgentReply: refused, ActNote: refused, ActCustomerMessage: "closed",
			ActAutoResolve: refused, ActAutoClose: refused, ActEdit: refused,
		},
	}
	pairs := 0
	for _, from := range Statuses {
		for _, a := range Actions {
			expected, ok := want[from][a]
			if !ok {
				t.Fatalf("the hand table misses (%s, %s)", from, a)
			}
			pairs++
			got, err := Next(from, a)
			if expected == refused {
				if err == nil {
					t.Errorf("(%s, %s): moved to %s, want a refusal", from, a, got)
					continue
				}
				if apperr.KindOf(err) != apperr.KindConflict {
					t.Errorf("(%s, %s): error kind %v, want conflict", from, a, apperr.KindOf(err))
				}
				if got != from {
					t.Errorf("(%s, %s): refused but reported status %s", from, a, got)
				}
				continue
			}
			if err != nil {
				t.Errorf("(%s, %s): refused (%v), want %s", from, a, err, expected)
				continue
			}
			if string(got) != expected {
				t.Errorf("(%s, %s) = %s, want %s", from, a, got, expected)
			}
		}
	}
	if pairs != 5*10 {
		t.Fatalf("checked %d pairs, want 50", pairs)
	}
}

func TestRefusalsSayWhy(t *testing.T) {
	cases := []struct {
		from model.Status
		a    Action
		want string
	}{
		{model.StatusClosed, ActAgentReply, "closed conversations are read-only"},
		{model.StatusOpen, ActAutoResolve, "only pending conversations resolve themselves"},
		{model.StatusPending, ActAutoClose, "only resolved conversations close themselves"},
	}
	for _, c := range cases {
		_, err := Next(c.from, c.a)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("(%s, %s): %v, want a message containing %q", c.from, c.a, err, c.want)
		}
	}
}

func TestStatusRequests(t *testing.T) {
	if _, err := actionForStatus(model.StatusNew); apperr.KindOf(err) != apperr.KindConflict {
		t.Errorf("asking for new: %v, want conflict", err)
	}
	if _, err := actionForStatus("bogus"); apperr.KindOf(err) != apperr.KindInvalid {
		t.Errorf("asking for bogus: %v, want invalid", err)
	}
	for st, act := range map[model.Status]Action{model.StatusOpen: ActOpen, model.StatusPending: ActPend,
		model.StatusResolved: ActResolve, model.StatusClosed: ActClose} {
		if got, err := actionForStatus(st); err != nil || got != act {
			t.Errorf("asking for %s: %s, %v", st, got, err)
		}
	}
}
