// Package demo fills an empty database with a believable helpdesk.
package demo

import (
	"context"

	"github.com/parley-hq/parley/internal/app"
)

// Login is what the demo prints for a newcomer.
type Login struct {
	Email, Password, Token string
}

// Seed fills an empty database; on one that has users it does nothing.
func Seed(ctx context.Context, a *app.App) (*Login, error) {
	return nil, nil
}
