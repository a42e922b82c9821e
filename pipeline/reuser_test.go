package pipeline

import (
	"context"
	"sync"
	"testing"

	"github.com/emersion/go-imap/v2/imapclient"
)

// The listing connection goes to exactly one of the folder workers that
// dial at once: two on one connection read each other's SELECTed folder
// (seen as "the server returned no data" for most of INBOX).
func TestReuserGivesTheListingConnectionOnce(t *testing.T) {
	for round := 0; round < 200; round++ {
		listed := &imapclient.Client{}
		r := &reuser{c: listed, dial: func(context.Context) (*imapclient.Client, error) { return &imapclient.Client{}, nil }}
		var wg sync.WaitGroup
		var mu sync.Mutex
		got := 0
		start := make(chan struct{})
		for i := 0; i < 8; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				c, err := r.Dial(context.Background())
				if err != nil {
					t.Error(err)
					return
				}
				if c == listed {
					mu.Lock()
					got++
					mu.Unlock()
				}
			}()
		}
		close(start)
		wg.Wait()
		if got != 1 {
			t.Fatalf("round %d: the listing connection was handed out %d times", round, got)
		}
	}
}
