package mbox

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"runtime"
	"sync/atomic"
	"testing"
	"time"
)

const bigSize = 50 << 20

// bigMessage returns a reader of a bigSize-byte message that is generated
// as it is read (never held whole) and not seekable. binary data is
// random bytes (stored as base64); otherwise 76-character CRLF lines, as
// a base64 attachment looks (stored as text), with a few "From " lines.
func bigMessage(binary bool) io.Reader {
	rng := rand.New(rand.NewPCG(1, 2))
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	head := "Subject: big\r\nContent-Type: application/octet-stream\r\n\r\n"
	var line []byte
	buf := make([]byte, 0, 78)
	gen := func(p []byte) {
		for i := range p {
			p[i] = byte(rng.Uint32())
		}
	}
	if !binary {
		gen = func(p []byte) {
			for i := range p {
				if len(line) == 0 {
					line = buf[:0]
					if rng.IntN(1000) == 0 {
						line = append(line, "From "...)
					}
					for len(line) < 76 {
						line = append(line, alphabet[rng.IntN(64)])
					}
					line = append(line, '\r', '\n')
				}
				p[i], line = line[0], line[1:]
			}
		}
	}
	return struct{ io.Reader }{io.MultiReader(
		bytes.NewReader([]byte(head)),
		io.LimitReader(genReader(gen), bigSize-int64(len(head))),
	)}
}

type genReader func([]byte)

func (g genReader) Read(p []byte) (int, error) { g(p); return len(p), nil }

// memWatch samples the heap while f runs: peak HeapInuse above the start,
// and bytes allocated.
func memWatch(f func()) (peak, alloc uint64) {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base, total := ms.HeapInuse, ms.TotalAlloc
	var max atomic.Uint64
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		var s runtime.MemStats
		for {
			runtime.ReadMemStats(&s)
			if s.HeapInuse > base && s.HeapInuse-base > max.Load() {
				max.Store(s.HeapInuse - base)
			}
			select {
			case <-stop:
				return
			case <-time.After(2 * time.Millisecond):
			}
		}
	}()
	f()
	close(stop)
	<-done
	runtime.ReadMemStats(&ms)
	return max.Load(), ms.TotalAlloc - total
}

func TestBigMessageBoundedMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 100+ MB of temporary files")
	}
	const limit = 4 << 20 // allowed heap for a 50 MiB message
	for _, binary := range []bool{false, true} {
		t.Run(map[bool]string{false: "text", true: "base64"}[binary], func(t *testing.T) {
			want := sha256.New()
			io.Copy(want, bigMessage(binary))

			f, err := os.CreateTemp(t.TempDir(), "big-*.mbox")
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			date := time.Date(2024, 5, 6, 7, 8, 9, 0, time.FixedZone("", -4*3600))
			var werr error
			wPeak, wAlloc := memWatch(func() {
				w := NewWriter(f)
				werr = w.WriteMessage(Meta{Size: bigSize, InternalDate: date, Flags: []string{`\Seen`}}, bigMessage(binary))
				if werr == nil {
					werr = w.WriteMessage(Meta{Size: 5}, bytes.NewReader([]byte("after")))
				}
				if werr == nil {
					werr = w.Close()
				}
			})
			if werr != nil {
				t.Fatal(werr)
			}
			st, _ := f.Stat()

			f.Seek(0, io.SeekStart)
			got := sha256.New()
			var meta Meta
			var n int64
			var rerr error
			rPeak, rAlloc := memWatch(func() {
				r := NewReader(bufio.NewReaderSize(f, 64<<10))
				defer r.Close()
				var body io.Reader
				if meta, body, rerr = r.Next(); rerr != nil {
					return
				}
				if n, rerr = io.Copy(got, body); rerr != nil {
					return
				}
				if _, body, rerr = r.Next(); rerr != nil {
					return
				}
				var after []byte
				if after, rerr = io.ReadAll(body); rerr == nil && string(after) != "after" {
					rerr = fmt.Errorf("second message %q", after)
				}
			})
			if rerr != nil {
				t.Fatal(rerr)
			}
			if n != bigSize || meta.Size != bigSize || !bytes.Equal(got.Sum(nil), want.Sum(nil)) {
				t.Fatalf("read %d bytes (Size %d), sha256 equal %v", n, meta.Size, bytes.Equal(got.Sum(nil), want.Sum(nil)))
			}
			if !meta.InternalDate.Equal(date) {
				t.Errorf("date %v", meta.InternalDate)
			}
			t.Logf("50 MiB message, file %d bytes: write peak heap +%.2f MiB, allocated %.2f MiB; read peak heap +%.2f MiB, allocated %.2f MiB",
				st.Size(), mib(wPeak), mib(wAlloc), mib(rPeak), mib(rAlloc))
			if wAlloc > limit || rAlloc > limit {
				t.Errorf("allocated %.1f MiB writing, %.1f MiB reading; want under %d MiB", mib(wAlloc), mib(rAlloc), limit>>20)
			}
		})
	}
}

// TestBigForeignBoundedMemory: a foreign message must be sized before it
// is returned; above 8 MiB it goes to a temporary file, not the heap.
func TestBigForeignBoundedMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 100 MB of temporary files")
	}
	// mboxo file: From_ line, then the message with LF line ends.
	f, err := os.CreateTemp(t.TempDir(), "foreign-*.mbox")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	bw := bufio.NewWriter(f)
	bw.WriteString("From someone Mon Jan  1 00:00:00 2024\n")
	want := sha256.New()
	var wantSize int64
	sc := bufio.NewScanner(bigMessage(false))
	for sc.Scan() {
		l := bytes.TrimSuffix(sc.Bytes(), []byte("\r"))
		if bytes.HasPrefix(l, []byte("From ")) {
			bw.WriteByte('>')
		}
		bw.Write(l)
		bw.WriteByte('\n')
		want.Write(l)
		want.Write([]byte("\r\n"))
		wantSize += int64(len(l)) + 2
	}
	bw.Flush()
	f.Seek(0, io.SeekStart)

	got := sha256.New()
	var rerr error
	var meta Meta
	peak, alloc := memWatch(func() {
		r := NewReader(f)
		defer r.Close()
		var body io.Reader
		if meta, body, rerr = r.Next(); rerr == nil {
			_, rerr = io.Copy(got, body)
		}
	})
	if rerr != nil {
		t.Fatal(rerr)
	}
	if meta.Size != wantSize || !bytes.Equal(got.Sum(nil), want.Sum(nil)) {
		t.Fatalf("Size %d, sha256 equal %v", meta.Size, bytes.Equal(got.Sum(nil), want.Sum(nil)))
	}
	t.Logf("50 MiB foreign message: peak heap +%.2f MiB, allocated %.2f MiB", mib(peak), mib(alloc))
	if alloc > 24<<20 {
		t.Errorf("allocated %.1f MiB; want under 24 MiB (8 MiB memory spool, then a file)", mib(alloc))
	}
}

func mib(n uint64) float64 { return float64(n) / (1 << 20) }
