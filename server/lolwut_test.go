package server

import (
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
)

// lolwutReply runs LOLWUT with args and returns its reply, which must be
// a verbatim string.
func lolwutReply(t *testing.T, args ...string) string {
	t.Helper()
	r := lolwut(&Ctx{Args: toArgv(append([]string{"lolwut"}, args...)), Rand: rand.New(rand.NewPCG(1, 2))})
	require.Equal(t, kindVerbatim, r.kind, "LOLWUT %v answered %q", args, r.str())
	return r.str()
}

func TestLolwutEditionFollowsRedisVersions(t *testing.T) {
	for v, want := range map[string]int{
		"5.0.0": 5, "5.0.14": 5, "4.9.101": 5, "5.9.104": 6, "6.0.0": 6, "6.2.14": 6,
		"6.9.0": 0, "7.0.15": 0, "4.0.0": 0, "59.0.0": 0, "4294967295.0.0": 0, "5": 0, "": 0,
	} {
		require.Equal(t, want, lolwutEdition(v), v)
	}
}

func TestLolwutWithoutADrawingAnswersTheVersion(t *testing.T) {
	for _, args := range [][]string{
		nil, {"VERSION"}, {"foo", "bar"}, {"VERSION", "7"}, {"version", "4"}, {"VERSION", "-1"},
		{"VERSION", "0"}, {"VERSION", "4294967296"}, {"VERSION", "56"},
	} {
		require.Equal(t, "Redis ver. "+Version+"\n", lolwutReply(t, args...), "%v", args)
	}
}

func TestLolwutRefusesNonIntegers(t *testing.T) {
	for _, args := range [][]string{
		{"VERSION", "x"}, {"VERSION", ""}, {"VERSION", "5.0"}, {"VERSION", "05"}, {"VERSION", " 5"},
		{"VERSION", "99999999999999999999"}, {"VERSION", "5", "x"}, {"VERSION", "5", "1", "2.5"},
		{"VERSION", "5", "1", "2", "-"}, {"VERSION", "6", "+1"}, {"VERSION", "6", "1", "y"},
	} {
		r := lolwut(&Ctx{Args: toArgv(append([]string{"lolwut"}, args...)), Rand: rand.New(rand.NewPCG(1, 2))})
		require.Equal(t, replyNotInt, r, "%v", args)
	}
}

// The squares of the first two rows stand in order, so a Schotter of one
// or two rows is the same on every run: these are redis-server 7.0.15's.
func TestSchotterOfOrderedRowsIsRedis(t *testing.T) {
	text := "\nGeorg Nees - schotter, plotter on paper, 1968. Redis ver. " + Version + "\n"
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"10", "2", "2"}, "⠀⡤⠤⠤⠤⡤⠤⠤⠤⡄\n⠀⡇⠀⠀⠀⡇⠀⠀⠀⡇\n⠀⡧⠤⠤⠤⡧⠤⠤⠤⡇\n⠀⡇⠀⠀⠀⡇⠀⠀⠀⡇\n⠀⠧⠤⠤⠤⠧⠤⠤⠤⠇\n"},
		{[]string{"7", "3", "2"}, "⠀⡤⡄⡤⣤⢤⠀\n⠀⡭⡅⡭⣭⢭⠀\n⠀⠉⠁⠉⠉⠉⠀\n"},
		{[]string{"3", "1", "1"}, "⠀⡤⡄\n⠀⠉⠁\n"},
		{[]string{"2", "2", "2"}, "⡯⡯\n"},
		{[]string{"1", "1", "1"}, "⠋\n"},
		{[]string{"0", "-3", "-9", "ignored"}, "⠋\n"},
	} {
		require.Equal(t, tc.want+text, lolwutReply(t, append([]string{"VERSION", "5"}, tc.args...)...), "%v", tc.args)
	}
	// VERSION is read as a C unsigned int: 2^32+5 is 5.
	require.Equal(t, "⠋\n"+text, lolwutReply(t, "VERSION", "4294967301", "1", "1", "1"))
}

// TestSchotterShape checks the size of random drawings: the rows that
// redis-server 7.0.15 gives for the same arguments, each as many braille
// characters as columns, an empty line after them unless the last row of
// characters starts on the canvas's last row of dots, then Redis's text.
func TestSchotterShape(t *testing.T) {
	for _, tc := range []struct {
		args       []string
		cols, rows int
		emptyLine  bool
	}{
		{nil, 66, 49, true},
		{[]string{"40", "5", "9"}, 40, 35, true},
		{[]string{"1", "1", "200"}, 1, 100, true},
		{[]string{"80", "3", "30"}, 80, 391, true},
		{[]string{"5", "4", "6"}, 5, 4, false},
		{[]string{"5000", "500", "500"}, 1000, 500, true},
		{[]string{"12", "3", "4", "extra"}, 12, 8, true},
	} {
		reply := lolwutReply(t, append([]string{"VERSION", "5"}, tc.args...)...)
		lines := strings.Split(strings.TrimSuffix(reply, "\n"), "\n")
		require.Equal(t, "Georg Nees - schotter, plotter on paper, 1968. Redis ver. "+Version, lines[len(lines)-1], "%v", tc.args)
		lines = lines[:len(lines)-1]
		if tc.emptyLine {
			require.Equal(t, "", lines[len(lines)-1], "%v", tc.args)
			lines = lines[:len(lines)-1]
		}
		require.Len(t, lines, tc.rows, "%v", tc.args)
		for _, l := range lines {
			require.Equal(t, tc.cols, utf8.RuneCountInString(l), "%v", tc.args)
			for _, r := range l {
				require.True(t, r >= 0x2800 && r <= 0x28ff, "%v: %q is not braille", tc.args, r)
			}
		}
	}
}

// TestSkylineShape checks the rows of random skylines: one line per row,
// each a painted space per column in one of the four grays, then Redis's
// two lines of text.
func TestSkylineShape(t *testing.T) {
	pixel := `\x1b\[0;(?:30;40|90;100|37;47|97;107)m \x1b\[0m`
	row := regexp.MustCompile(`^(?:` + pixel + `)+$`)
	for _, tc := range []struct {
		args       []string
		cols, rows int
	}{
		{nil, 80, 20},
		{[]string{"30", "12"}, 30, 12},
		{[]string{"1", "1"}, 1, 1},
		{[]string{"0", "-1", "extra"}, 1, 1},
		{[]string{"5000", "2"}, 1000, 2},
		{[]string{"7", "5000"}, 7, 1000},
	} {
		reply := lolwutReply(t, append([]string{"VERSION", "6"}, tc.args...)...)
		lines := strings.Split(reply, "\n")
		require.Len(t, lines, tc.rows+3, "%v", tc.args)
		require.Equal(t, []string{
			"Dedicated to the 8 bit game developers of past and present.",
			"Original 8 bit image from Plaguemon by hikikomori. Redis ver. " + Version, "",
		}, lines[tc.rows:], "%v", tc.args)
		for _, l := range lines[:tc.rows] {
			require.Regexp(t, row, l, "%v", tc.args)
			require.Equal(t, tc.cols, strings.Count(l, " \x1b[0m"), "%v", tc.args)
		}
	}
	// A skyline one row tall has no building: the sky is white.
	require.Equal(t, strings.Repeat("\x1b[0;97;107m \x1b[0m", 3)+"\n", lolwutReply(t, "VERSION", "6", "3", "1")[:3*len("\x1b[0;97;107m \x1b[0m")+1])
}

// TestBrailleDots checks that each dot of a character cell lights the dot
// Unicode puts there.
func TestBrailleDots(t *testing.T) {
	for _, tc := range []struct {
		x, y int
		want rune
	}{
		{0, 0, '⠁'}, {0, 1, '⠂'}, {0, 2, '⠄'}, {0, 3, '⡀'},
		{1, 0, '⠈'}, {1, 1, '⠐'}, {1, 2, '⠠'}, {1, 3, '⢀'},
	} {
		d := newDots(2, 4)
		d.set(tc.x, tc.y)
		require.True(t, d.get(tc.x, tc.y))
		var b strings.Builder
		d.render(&b)
		require.Equal(t, string(tc.want)+"\n", b.String(), "dot %d,%d", tc.x, tc.y)
	}
}

func TestDotsOutsideTheCanvasAreNotDrawn(t *testing.T) {
	d := newDots(4, 6)
	for _, p := range [][2]int{{-1, 0}, {0, -1}, {4, 0}, {0, 6}, {100, 100}} {
		d.set(p[0], p[1])
		require.False(t, d.get(p[0], p[1]))
	}
	require.Equal(t, make([]byte, 4), d.cells)
	d.set(3, 5)
	require.True(t, d.get(3, 5))
	require.Equal(t, []byte{0, 0, 0, brailleBit[1][1]}, d.cells)
}

// TestDotsRenderRows checks the lines of a render: one per four rows of
// dots, a character per two columns (an odd last column gets its own),
// and a newline after each unless its first row is the canvas's last.
func TestDotsRenderRows(t *testing.T) {
	for _, tc := range []struct {
		w, h int
		want string
	}{
		{2, 4, "⠀\n"}, {2, 5, "⠀\n⠀"}, {4, 8, "⠀⠀\n⠀⠀\n"}, {3, 1, "⠀⠀"}, {2, 0, ""}, {2, 2, "⠀\n"},
	} {
		var b strings.Builder
		newDots(tc.w, tc.h).render(&b)
		require.Equal(t, tc.want, b.String(), "%dx%d", tc.w, tc.h)
	}
}

// TestLineDrawsOneDotPerStep checks Bresenham's lines in every direction:
// both ends drawn, one dot per step along the longer axis, each next to
// the one before.
func TestLineDrawsOneDotPerStep(t *testing.T) {
	for _, s := range [][4]int{
		{0, 0, 0, 0}, {0, 0, 9, 0}, {9, 0, 0, 0}, {0, 0, 0, 9}, {0, 9, 0, 0},
		{0, 0, 9, 9}, {9, 9, 0, 0}, {0, 9, 9, 0}, {1, 2, 17, 7}, {17, 7, 1, 2},
		{3, 1, 8, 19}, {8, 19, 3, 1}, {2, 15, 19, 4},
	} {
		d := newDots(20, 20)
		d.line(s[0], s[1], s[2], s[3])
		require.True(t, d.get(s[0], s[1]), "%v", s)
		require.True(t, d.get(s[2], s[3]), "%v", s)
		dx, dy := abs(s[2]-s[0]), abs(s[3]-s[1])
		var got [][2]int
		for y := range 20 {
			for x := range 20 {
				if d.get(x, y) {
					got = append(got, [2]int{x, y})
				}
			}
		}
		require.Len(t, got, max(dx, dy)+1, "%v", s)
		// One dot per column of a flat line, per row of a steep one.
		seen := map[int]bool{}
		for _, p := range got {
			k := p[0]
			if dy > dx {
				k = p[1]
			}
			require.False(t, seen[k], "%v: two dots at %d", s, k)
			seen[k] = true
			near := false
			for _, q := range got {
				if q != p && abs(q[0]-p[0]) <= 1 && abs(q[1]-p[1]) <= 1 {
					near = true
				}
			}
			require.True(t, near || len(got) == 1, "%v: %v stands alone", s, p)
		}
	}
}

// TestSquareWithoutTurnIsAxisAligned draws an unturned square: its
// corners on the circle of radius side/sqrt(2), its sides straight.
func TestSquareWithoutTurnIsAxisAligned(t *testing.T) {
	d := newDots(30, 30)
	d.square(10, 12, 10, 0)
	n := 0
	for y := range 30 {
		for x := range 30 {
			onSide := (x == 5 || x == 15) && y >= 7 && y <= 17 || (y == 7 || y == 17) && x >= 5 && x <= 15
			require.Equal(t, onSide, d.get(x, y), "dot %d,%d", x, y)
			if onSide {
				n++
			}
		}
	}
	require.Equal(t, 40, n)
}

// TestBuildingStandsOnTheGround draws one building with windows and
// checks it: standing on the bottom row, a roof two pixels narrower on
// each side, and windows two pixels wide on every other row, away from the
// walls, roof and ground, each lit in one gray.
func TestBuildingStandsOnTheGround(t *testing.T) {
	g := newGrays(16, 10, white)
	g.building(building{x: 2, w: 12, h: 8, windows: true, color: black}, rand.New(rand.NewPCG(3, 4)))
	const top = 2
	for y := range 10 {
		for x := range 16 {
			c := g.get(x, y)
			switch {
			case x < 2 || x >= 14 || y < top || y == top && (x <= 3 || x >= 12):
				require.Equal(t, white, c, "sky at %d,%d", x, y)
			case (x == 5 || x == 6 || x == 9 || x == 10) && (y == 4 || y == 6):
				require.Contains(t, []byte{darkGray, lightGray}, c, "window at %d,%d", x, y)
				if x == 6 || x == 10 {
					require.Equal(t, g.get(x-1, y), c, "halves of the window at %d,%d", x, y)
				}
			default:
				require.Equal(t, black, c, "wall at %d,%d", x, y)
			}
		}
	}
}
