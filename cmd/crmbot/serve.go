package main

import (
	"context"
	"flag"
	"fmt"
	"io"
)

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c config
	if err := c.parse(fs, args); err != nil {
		if err == flag.ErrHelp {
			return nil
		}
		return err
	}
	return fmt.Errorf("serve: no adapter is configured yet")
}
