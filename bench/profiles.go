package main

// The profiles suite (issue 5, customer profiles): `go run ./bench -suite
// profiles -data DIR` reads contact profiles and their journey timelines on
// a generated dataset, as the API and as the web app's profile page.

import (
	"context"
	"fmt"
	"net/url"
)

func profilesSuite(ctx context.Context, so suiteOptions, e *suiteEnv) error {
	var convs, contacts int64
	if err := e.st.Reader.QueryRowContext(ctx, "SELECT COUNT(*) FROM conversations").Scan(&convs); err != nil {
		return err
	}
	if err := e.st.Reader.QueryRowContext(ctx, "SELECT COUNT(*) FROM contacts").Scan(&contacts); err != nil {
		return err
	}
	fmt.Printf("dataset holds %d conversations, %d contacts\n\n", convs, contacts)

	random, err := e.ids(ctx, "SELECT id FROM contacts ORDER BY "+e.randomOrder()+" LIMIT 500")
	if err != nil {
		return err
	}
	// The customers with the longest journeys: the worst case of a timeline page.
	busiest, err := e.ids(ctx, "SELECT contact_id FROM conversations GROUP BY contact_id ORDER BY COUNT(*) DESC LIMIT 100")
	if err != nil {
		return err
	}
	var most int64
	_ = e.st.Reader.QueryRowContext(ctx, e.sql("SELECT COUNT(*) FROM conversations WHERE contact_id = ?"), busiest[0]).Scan(&most)
	fmt.Printf("%-58s %d random contacts; the 100 with most conversations (up to %d)\n", "contacts read", len(random), most)

	profileAndTimeline := func(id int64) error {
		st, b, err := e.c.do(ctx, "GET", fmt.Sprintf("/api/v1/contacts/%d", id), nil, true)
		if err := expect(st, b, err, 200); err != nil {
			return err
		}
		st, b, err = e.c.do(ctx, "GET", fmt.Sprintf("/api/v1/contacts/%d/timeline", id), nil, true)
		return expect(st, b, err, 200)
	}
	for _, group := range []struct {
		name string
		ids  []int64
	}{{"random contacts", random}, {"busiest contacts", busiest}} {
		mark := markCPU(e.s.Pid)
		s, err := timeN(ctx, 50, so.reqs, func(i int) error { return profileAndTimeline(group.ids[i%len(group.ids)]) })
		if err != nil {
			return fmt.Errorf("profile + timeline: %w", err)
		}
		report("GET contact + its timeline (API, "+group.name+")", s, mark.since(), "", false)
	}

	// Walking a long journey with the cursor, 50 entries a page.
	mark := markCPU(e.s.Pid)
	var pages int
	s, err := timeN(ctx, 5, so.reqs/10, func(i int) error {
		cursor := ""
		for {
			var p struct {
				NextCursor string `json:"next_cursor"`
			}
			path := fmt.Sprintf("/api/v1/contacts/%d/timeline?cursor=%s", busiest[i%len(busiest)], url.QueryEscape(cursor))
			if err := e.c.json(ctx, "GET", path, nil, 200, &p); err != nil {
				return err
			}
			pages++
			if cursor = p.NextCursor; cursor == "" {
				return nil
			}
		}
	})
	if err != nil {
		return fmt.Errorf("timeline walk: %w", err)
	}
	report(fmt.Sprintf("walk a busiest contact's whole timeline (%.1f pages on average)", float64(pages)/float64(5+so.reqs/10)), s, mark.since(), "", false)

	// The web app's profile page: profile, attributes, notes, timeline,
	// duplicate suggestions and merges, rendered.
	mark = markCPU(e.s.Pid)
	s, err = timeN(ctx, 50, so.reqs, func(i int) error {
		st, b, err := e.page(ctx, fmt.Sprintf("/contacts/%d", random[i%len(random)]))
		return expect(st, b, err, 200)
	})
	if err != nil {
		return fmt.Errorf("GET /contacts/{id}: %w", err)
	}
	report("GET /contacts/{id} (web profile page, random contacts)", s, mark.since(), "", false)

	// Contact search by name, email, phone or company (substring).
	queries := []string{"smith", "example.com", "+1 5", "acme", "zzzz-no-match"}
	mark = markCPU(e.s.Pid)
	s, err = timeN(ctx, 5, so.reqs/10, func(i int) error {
		st, b, err := e.c.do(ctx, "GET", "/api/v1/contacts?q="+url.QueryEscape(queries[i%len(queries)]), nil, true)
		return expect(st, b, err, 200)
	})
	if err != nil {
		return fmt.Errorf("contact search: %w", err)
	}
	report("GET /api/v1/contacts?q= (substring search, first page)", s, mark.since(), "", false)
	return nil
}
