// Goroutines across OS threads, checked against Linux: threads [child].
// GOMAXPROCS(2), a WaitGroup, channels, a mutex, LockOSThread, a timer,
// and os/exec running /bin/echo and this program itself. The output is
// deterministic: results are printed in a fixed order once all are done.
package main

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"sort"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

func fib(n int) int {
	if n < 2 {
		return n
	}
	return fib(n-1) + fib(n-2)
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == "child" {
		fmt.Printf("child: args %v, GOMAXPROCS >= 1: %v\n", os.Args[2:], runtime.GOMAXPROCS(0) >= 1)
		os.Exit(3)
	}
	runtime.GOMAXPROCS(2)
	fmt.Println("GOMAXPROCS", runtime.GOMAXPROCS(0))

	// CPU-bound goroutines, results through a channel, sorted.
	results := make(chan [2]int, 8)
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			results <- [2]int{i, fib(20 + i)}
		}(i)
	}
	wg.Wait()
	close(results)
	var rs [][2]int
	for r := range results {
		rs = append(rs, r)
	}
	sort.Slice(rs, func(a, b int) bool { return rs[a][0] < rs[b][0] })
	for _, r := range rs {
		fmt.Printf("fib(%d) = %d\n", 20+r[0], r[1])
	}

	// A mutex-protected counter and an atomic one, 16 goroutines.
	var mu sync.Mutex
	counter := 0
	var atom int64
	for i := 0; i < 16; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 10000; j++ {
				mu.Lock()
				counter++
				mu.Unlock()
				atomic.AddInt64(&atom, 1)
				if j%1000 == 0 {
					runtime.Gosched()
				}
			}
		}()
	}
	wg.Wait()
	fmt.Printf("mutex counter %d, atomic %d\n", counter, atom)

	// Goroutines pinned to OS threads: distinct thread ids.
	tids := make(chan int, 4)
	release := make(chan struct{})
	for i := 0; i < 4; i++ {
		go func() {
			runtime.LockOSThread()
			tids <- syscall.Gettid()
			<-release
			runtime.UnlockOSThread()
		}()
	}
	seen := map[int]bool{}
	for i := 0; i < 4; i++ {
		seen[<-tids] = true
	}
	close(release)
	fmt.Printf("4 locked goroutines on distinct OS threads: %v\n", len(seen) == 4)

	// An unbuffered ping-pong and a pipeline of stages.
	ping, pong := make(chan int), make(chan int)
	go func() {
		for v := range ping {
			pong <- v + 1
		}
		close(pong)
	}()
	v := 0
	for i := 0; i < 10000; i++ {
		ping <- v
		v = <-pong
	}
	close(ping)
	fmt.Println("ping-pong result", v)
	src := make(chan int)
	go func() {
		for i := 1; i <= 1000; i++ {
			src <- i
		}
		close(src)
	}()
	stage := func(in <-chan int, f func(int) int) <-chan int {
		out := make(chan int)
		go func() {
			for x := range in {
				out <- f(x)
			}
			close(out)
		}()
		return out
	}
	sum := 0
	for x := range stage(stage(src, func(x int) int { return x * x }), func(x int) int { return x + 1 }) {
		sum += x
	}
	fmt.Println("pipeline sum", sum)

	// Timers and sleeps: the runtime's netpoller/futex timeouts.
	start := time.Now()
	timer := time.NewTimer(30 * time.Millisecond)
	select {
	case <-timer.C:
	case <-time.After(5 * time.Second):
		fmt.Println("timer did not fire")
	}
	time.Sleep(20 * time.Millisecond)
	fmt.Println("timer and sleep took >= 50 ms:", time.Since(start) >= 50*time.Millisecond)

	// os/exec: an external program, and this program again.
	out, err := exec.Command("/bin/echo", "hello", "from", "echo").Output()
	fmt.Printf("echo: %q err %v\n", out, err)
	self, _ := os.Executable()
	cmd := exec.Command(self, "child", "a", "b")
	out, err = cmd.Output()
	code := -1
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	}
	fmt.Printf("self: %q exit %d\n", out, code)
	// Several children at once from several goroutines.
	codes := make([]int, 4)
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			c := exec.Command("/bin/sh", "-c", fmt.Sprintf("exit %d", i+10))
			if err := c.Run(); err != nil {
				if ee, ok := err.(*exec.ExitError); ok {
					codes[i] = ee.ExitCode()
				}
			}
		}(i)
	}
	wg.Wait()
	fmt.Println("concurrent children exited", codes)
	// A pipe between two children.
	r, w, _ := os.Pipe()
	c1 := exec.Command("/bin/echo", "through a pipe")
	c1.Stdout = w
	c2 := exec.Command("/bin/cat")
	c2.Stdin = r
	c2.Stdout = os.Stdout
	c1.Start()
	c2.Start()
	w.Close()
	r.Close()
	c1.Wait()
	c2.Wait()
	fmt.Println("done")
}
