package email

import "context"

// RunFetchers polls every email inbox with IMAP settings until ctx ends.
func (c *Channel) RunFetchers(ctx context.Context) {
	<-ctx.Done()
}
