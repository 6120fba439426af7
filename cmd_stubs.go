package main

import (
	"context"
	"errors"
)

// Temporary: replaced by each command's own file as it lands.
func cmdDev(ctx context.Context, e *env, args []string) error     { return errors.New("not yet") }
func cmdServe(ctx context.Context, e *env, args []string) error   { return errors.New("not yet") }
func cmdWorker(ctx context.Context, e *env, args []string) error  { return errors.New("not yet") }
