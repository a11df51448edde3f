package main

// The gdpr suite (issue 5, export and erasure): `go run ./bench -suite gdpr
// -data DIR` exports the contacts with the longest histories, then erases
// some of them, on a generated dataset. It ERASES contacts: run it on a
// copy of a dataset, not on one other suites still need.

import (
	"context"
	"fmt"
	"time"
)

func gdprSuite(ctx context.Context, so suiteOptions, e *suiteEnv) error {
	busiest, err := e.ids(ctx, "SELECT contact_id FROM conversations GROUP BY contact_id ORDER BY COUNT(*) DESC, contact_id LIMIT 40")
	if err != nil {
		return err
	}
	if len(busiest) < 40 {
		return fmt.Errorf("the dataset has only %d contacts with conversations; want 40", len(busiest))
	}
	var most, msgs int64
	_ = e.st.Reader.QueryRowContext(ctx, e.sql("SELECT COUNT(*) FROM conversations WHERE contact_id = ?"), busiest[0]).Scan(&most)
	_ = e.st.Reader.QueryRowContext(ctx, e.sql("SELECT COUNT(*) FROM messages m JOIN conversations c ON c.id = m.conversation_id WHERE c.contact_id = ?"), busiest[0]).Scan(&msgs)
	fmt.Printf("%-58s the 40 with most conversations (the first: %d conversations, %d messages)\n", "contacts", most, msgs)

	var bytes int
	mark := markCPU(e.s.Pid)
	n := max(so.reqs/50, 20)
	s, err := timeN(ctx, 2, n, func(i int) error {
		st, b, err := e.c.do(ctx, "GET", fmt.Sprintf("/api/v1/contacts/%d/export", busiest[i%20]), nil, true)
		bytes = max(bytes, len(b))
		return expect(st, b, err, 200)
	})
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	report(fmt.Sprintf("GET contact export (busiest 20; largest %d KB)", bytes/1024), s, mark.since(), "", false)

	// Erase the next 20 busiest, one at a time: each is one transaction.
	mark = markCPU(e.s.Pid)
	s, err = timeN(ctx, 0, 20, func(i int) error {
		st, b, err := e.c.do(ctx, "POST", fmt.Sprintf("/api/v1/contacts/%d/erase", busiest[20+i]),
			[]byte(`{"reason":"bench `+time.Now().UTC().Format(time.RFC3339)+`"}`), true)
		return expect(st, b, err, 200)
	})
	if err != nil {
		return fmt.Errorf("erase: %w", err)
	}
	report("POST contact erase (busiest 21st-40th)", s, mark.since(), "", false)
	return nil
}
