package email_test

import (
	"testing"

	"github.com/parley-hq/parley/internal/testutil"
)

// TestIMAPMessageTheDatabaseRefuses: a message the database refuses for a
// reason Parley cannot name (here a trigger refuses its body, standing for
// a limit or a corrupt index) fails its chunk; the chunk is then stored one
// message at a time, so the messages around it go in, and after three
// failed rounds the fetcher passes over it instead of retrying it forever.
func TestIMAPMessageTheDatabaseRefuses(t *testing.T) {
	testutil.Each(t, func(t *testing.T, e *testutil.Env) {
		srv := startIMAP(t)
		inbox := emailInbox(t, e, srv.settings())
		refuse := []string{`CREATE TRIGGER refuse_poison BEFORE INSERT ON messages FOR EACH ROW WHEN (NEW.body = 'Poison')
 BEGIN SELECT RAISE(ABORT, 'refused'); END`}
		if e.Dialect == "postgres" {
			refuse = []string{`CREATE FUNCTION refuse_poison() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'refused'; END $$`,
				`CREATE TRIGGER refuse_poison BEFORE INSERT ON messages FOR EACH ROW WHEN (NEW.body = 'Poison') EXECUTE FUNCTION refuse_poison()`}
		}
		for _, q := range refuse {
			_, err := e.Store.Writer.ExecContext(testutil.Ctx(), q)
			testutil.NoErr(t, err)
		}
		srv.deliver(t, mail{from: "before@example.com", to: inboxAddress, subject: "Before", id: "before@example.com", body: "Before"}.raw())
		srv.deliver(t, mail{from: "poison@example.com", to: inboxAddress, subject: "Poison", id: "poison@example.com", body: "Poison"}.raw())
		srv.deliver(t, mail{from: "after@example.com", to: inboxAddress, subject: "After", id: "after@example.com", body: "After"}.raw())
		var errs []error
		for range 3 {
			_, err := e.Email.FetchOnce(testutil.Ctx(), inbox)
			errs = append(errs, err)
			if total, _ := countMessages(t, e, inbox); total != 1 && err != nil {
				t.Fatalf("after a failed round %d messages stored, want 1 (the one before the refused one)", total)
			}
		}
		if errs[0] == nil || errs[1] == nil || errs[2] != nil {
			t.Fatalf("fetch errors %v: want the first two rounds to fail on the refused message, the third to pass over it", errs)
		}
		total, _ := countMessages(t, e, inbox)
		var last int
		testutil.NoErr(t, e.Store.Reader.QueryRowContext(testutil.Ctx(), `SELECT last_uid FROM imap_positions WHERE inbox_id = $1`, inbox).Scan(&last))
		if total != 2 || last != 3 {
			t.Fatalf("%d messages stored, position %d; want 2 (all but the refused one) and 3", total, last)
		}
	})
}
