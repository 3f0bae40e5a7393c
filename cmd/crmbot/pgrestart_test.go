package main

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"crmbot/storage/postgres"
)

// privateCluster starts a PostgreSQL cluster of the test's own (scripts/pgtest.sh,
// held open until the test ends), so that restarting it disturbs no other test on
// the shared one. It returns the URL and the pg_ctl command line of the cluster.
func privateCluster(t *testing.T) (url, pgctl string) {
	t.Helper()
	if os.Getenv("CRMBOT_TEST_POSTGRES") == "" {
		t.Skip("PostgreSQL tests skipped: CRMBOT_TEST_POSTGRES is not set (scripts/pgtest.sh sets it)")
	}
	if testing.Short() {
		t.Skip("starts a PostgreSQL cluster of its own")
	}
	cmd := exec.Command("../../scripts/pgtest.sh", "sh", "-c", `printf '%s\n%s\n' "$CRMBOT_TEST_POSTGRES" "$CRMBOT_TEST_PGCTL"; cat >/dev/null`)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr syncBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stdin.Close() // the script's command ends, and its trap stops the cluster
		cmd.Wait()
	})
	r := bufio.NewReader(stdout)
	url, err1 := r.ReadString('\n')
	pgctl, err2 := r.ReadString('\n')
	if err1 != nil || err2 != nil || !strings.HasPrefix(url, "postgres://") {
		t.Fatalf("a private cluster: %v %v\n%s", err1, err2, stderr.String())
	}
	return strings.TrimSpace(url), strings.TrimSpace(pgctl)
}

// The PostgreSQL server is restarted (pg_ctl restart -m fast) while messages are
// handled: each message is either stored and confirmed or answered with the apology
// that says nothing was changed; messages succeed again after the restart; the
// database is consistent (Verify) and holds the confirmed interests, bar one per
// worker whose commit the restart hid from its reply.
func TestPostgresRestartUnderLoad(t *testing.T) {
	u, pgctl := privateCluster(t)
	ctx := context.Background()
	db, err := postgres.Open(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	eng := loadEngine(t, db)

	const workers = 4
	var tl tally
	restarted := make(chan struct{})
	before := make(chan struct{}, workers) // each worker's first confirmation
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Messages until the restart is over and one more has succeeded after it.
			signalled := false
			for i, after := 0, false; ; i++ {
				select {
				case <-restarted:
					after = true
				default:
				}
				ok := tl.send(t, eng, w, i)
				if ok && !signalled {
					signalled = true
					before <- struct{}{}
				}
				if after && ok || i > 10000 {
					return
				}
			}
		}()
	}
	for range workers {
		<-before // the restart comes in the middle of the load, not before it
	}
	out, err := exec.Command("sh", "-c", pgctl+" restart -m fast").CombinedOutput()
	close(restarted)
	if err != nil {
		t.Fatalf("pg_ctl restart: %v\n%s", err, out)
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(60 * time.Second): // a bound on waiting for recovery
		t.Fatal("messages do not succeed again within 60 s of the restart")
	}
	stored := tl.check(t, db, workers)
	t.Logf("restart under load: %d confirmed, %d apologies, %d stored", tl.confirmed, tl.apologies, stored)
}
