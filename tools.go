//go:build tools

package tools

import (
	_ "github.com/cenkalti/backoff/v4"
	_ "github.com/chzyer/readline"
	_ "github.com/go-telegram-bot-api/telegram-bot-api/v5"
	_ "github.com/nyaruka/phonenumbers"
	_ "github.com/olebedev/when"
	_ "github.com/robfig/cron/v3"
	_ "github.com/slack-go/slack"
	_ "go.etcd.io/bbolt"
	_ "golang.org/x/sync/errgroup"
	_ "golang.org/x/text/unicode/norm"
	_ "golang.org/x/time/rate"
)
