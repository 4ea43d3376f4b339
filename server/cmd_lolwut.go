package server

import (
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
)

// lolwutCommand is LOLWUT: computer art and the server's version. Each
// Redis release has its own drawing; 7.0 draws none and answers its version,
// and VERSION 5 and VERSION 6 ask for the drawings of Redis 5 (Georg Nees's
// "Schotter", in braille dots) and Redis 6 (a city skyline, in terminal
// grays). The drawings are random, from the execution's random source.
func lolwutCommand() *Command {
	return &Command{
		// LOLWUT [VERSION version [arg ...]]
		Name: "lolwut", Arity: -1, Flags: FlagReadonly | FlagFast,
		Group: "server", Since: "5.0.0", Summary: "Display some computer art and the Redis version",
		Handler: lolwut,
	}
}

// LOLWUT [VERSION version [arg ...]]
func lolwut(c *Ctx) Reply {
	v, args := Version, c.Args[1:]
	// VERSION needs its value: a lone VERSION is an ignored argument.
	if len(c.Args) >= 3 && strings.EqualFold(string(c.Args[1]), "version") {
		n, ok := parseInt(c.Args[2])
		if !ok {
			return replyNotInt
		}
		// Redis prints the number as a C unsigned int, so VERSION 4294967301
		// (2^32+5) asks for Redis 5's drawing.
		v, args = strconv.FormatUint(uint64(uint32(n)), 10)+".0.0", c.Args[3:]
	}
	switch lolwutEdition(v) {
	case 5:
		return lolwut5(c.Rand, args)
	case 6:
		return lolwut6(c.Rand, args)
	}
	return Verbatim("Redis ver. " + Version + "\n")
}

// lolwutEdition is the drawing that version v shows: 5, 6, or 0 for none.
// A release candidate (x.9) shows the drawing of the release it leads to.
func lolwutEdition(v string) int {
	if len(v) < 3 || v[1] != '.' {
		return 0
	}
	rc := v[2] == '9'
	switch {
	case v[0] == '5' && !rc, v[0] == '4' && rc:
		return 5
	case v[0] == '6' && !rc, v[0] == '5' && rc:
		return 6
	}
	return 0
}

// lolwutInts reads the leading integer arguments of a drawing over its
// defaults, one per default; the arguments after them are ignored, as in
// Redis.
func lolwutInts(args [][]byte, defaults ...int64) ([]int64, bool) {
	for i := range defaults {
		if i == len(args) {
			break
		}
		n, ok := parseInt(args[i])
		if !ok {
			return nil, false
		}
		defaults[i] = n
	}
	return defaults, true
}

// clampInt is n limited to [lo, hi]. The limits keep every drawing quick
// and its reply bounded.
func clampInt(n, lo, hi int64) int { return int(min(max(n, lo), hi)) }

// cRand is C's rand(): a number in [0, 2^31-1].
func cRand(rnd *rand.Rand) int { return int(rnd.Int32()) }

// LOLWUT VERSION 5 [columns [squares-per-row [squares-per-column]]]
func lolwut5(rnd *rand.Rand, args [][]byte) Reply {
	p, ok := lolwutInts(args, 66, 8, 12)
	if !ok {
		return replyNotInt
	}
	d := schotter(clampInt(p[0], 1, 1000), clampInt(p[1], 1, 200), clampInt(p[2], 1, 200), rnd)
	var b strings.Builder
	d.render(&b)
	b.WriteString("\nGeorg Nees - schotter, plotter on paper, 1968. Redis ver. " + Version + "\n")
	return Verbatim(b.String())
}

// LOLWUT VERSION 6 [columns [rows]]
func lolwut6(rnd *rand.Rand, args [][]byte) Reply {
	p, ok := lolwutInts(args, 80, 20)
	if !ok {
		return replyNotInt
	}
	g := newGrays(clampInt(p[0], 1, 1000), clampInt(p[1], 1, 1000), white)
	g.skyline(rnd)
	var b strings.Builder
	g.render(&b)
	b.WriteString("\nDedicated to the 8 bit game developers of past and present.\n" +
		"Original 8 bit image from Plaguemon by hikikomori. Redis ver. " + Version + "\n")
	return Verbatim(b.String())
}

// The drawings compute as Redis's C code does, in single-precision floats
// rounded at each step, so that they have Redis's sizes and geometry and,
// where nothing random enters (the first two rows of squares), Redis's very
// dots. The float32(...) conversions around products keep the compiler
// from fusing a multiply and an add, which would round once where C
// rounds twice.

// schotter draws Georg Nees's "Schotter" (1968): rows of squares that
// lose their order row by row, for a terminal cols characters wide (two
// dots each). The canvas is as tall as the squares need.
func schotter(cols, perRow, perCol int, rnd *rand.Rand) *dots {
	w := cols * 2
	pad := 0
	if w > 4 {
		pad = 2
	}
	side := float32(w-2*pad) / float32(perRow)
	d := newDots(w, int(float32(side*float32(perCol))+float32(2*pad)))
	for row := range perCol {
		for col := range perRow {
			x := int(float32(float32(col)*side) + side/2 + float32(pad))
			y := int(float32(float32(row)*side) + side/2 + float32(pad))
			var angle float32
			// The first two rows stand in order; below them each square
			// turns and shifts at random, the more the lower it is.
			if row > 1 {
				var r [3]float32
				for i := range r {
					r[i] = float32(float32(cRand(rnd))/float32(math.MaxInt32)/float32(perCol)) * float32(row)
				}
				for i := range r {
					if cRand(rnd)%2 == 1 {
						r[i] = -r[i]
					}
				}
				angle = r[0]
				x = int(float32(x) + float32(r[1]*side)/3)
				y = int(float32(y) + float32(r[2]*side)/3)
			}
			d.square(x, y, side, angle)
		}
	}
	return d
}

// dots is a canvas of black and white dots, kept as the braille
// characters that show it: a byte per character holds its eight dots, two
// wide and four tall, as the bits of its code point's offset from U+2800.
// A dot outside the canvas is not drawn. At a bit per dot, the largest
// Schotter (1000 columns, one square a row, 200 rows: 800 million dots)
// takes 100 MB.
type dots struct {
	w, h  int    // in dots
	cells []byte // (h+3)/4 rows of (w+1)/2 characters
}

// brailleBit is the bit of a braille character's dot at column x%2 and
// row y%4 of its cell: the dots numbered 1-2-3 down the left, 4-5-6 down
// the right, and 7 and 8 below them, added by Unicode last.
var brailleBit = [4][2]byte{{0x01, 0x08}, {0x02, 0x10}, {0x04, 0x20}, {0x40, 0x80}}

func newDots(w, h int) *dots {
	return &dots{w: w, h: h, cells: make([]byte, (h+3)/4*((w+1)/2))}
}

// cell is the index of the character holding dot (x, y), and its bit.
func (d *dots) cell(x, y int) (int, byte) {
	return y/4*((d.w+1)/2) + x/2, brailleBit[y%4][x%2]
}

func (d *dots) set(x, y int) {
	if x < 0 || x >= d.w || y < 0 || y >= d.h {
		return
	}
	i, bit := d.cell(x, y)
	d.cells[i] |= bit
}

func (d *dots) get(x, y int) bool {
	if x < 0 || x >= d.w || y < 0 || y >= d.h {
		return false
	}
	i, bit := d.cell(x, y)
	return d.cells[i]&bit != 0
}

// line draws the segment from (x1, y1) to (x2, y2) with Bresenham's
// algorithm: one dot per step along the longer axis, and a step along the
// shorter one whenever the error term says the segment has crossed half a
// dot.
func (d *dots) line(x1, y1, x2, y2 int) {
	dx, dy := abs(x2-x1), abs(y2-y1)
	sx, sy := -1, -1
	if x1 < x2 {
		sx = 1
	}
	if y1 < y2 {
		sy = 1
	}
	e := dx - dy
	for {
		d.set(x1, y1)
		if x1 == x2 && y1 == y2 {
			return
		}
		e2 := 2 * e
		if e2 > -dy {
			e -= dy
			x1 += sx
		}
		if e2 < dx {
			e += dx
			y1 += sy
		}
	}
}

// square draws the outline of a square of the given side centred on
// (x, y), turned by angle radians. Its corners lie on the circle of radius
// side/sqrt(2) around the centre, at 45 degrees past angle and every 90
// degrees from there.
func (d *dots) square(x, y int, side, angle float32) {
	r := float32(float64(side) / 1.4142135623)
	r = float32(math.Round(float64(r)))
	k := float32(math.Pi/4 + float64(angle))
	var px, py [4]int
	for j := range 4 {
		px[j] = int(math.Round(float64(math.Sin(float64(k))*float64(r)) + float64(x)))
		py[j] = int(math.Round(float64(math.Cos(float64(k))*float64(r)) + float64(y)))
		k = float32(float64(k) + math.Pi/2)
	}
	for j := range 4 {
		d.line(px[j], py[j], px[(j+1)%4], py[(j+1)%4])
	}
}

// render writes the canvas as lines of braille characters, one line per
// four rows of dots. Each line ends in a newline except one whose first
// row is the canvas's last row: Redis's quirk, which leaves an empty line
// under most drawings.
func (d *dots) render(b *strings.Builder) {
	per := (d.w + 1) / 2
	b.Grow(len(d.cells)*3 + (d.h+3)/4 + 128)
	for row := 0; row*4 < d.h; row++ {
		for _, c := range d.cells[row*per : (row+1)*per] {
			b.WriteRune(0x2800 + rune(c))
		}
		if row*4 != d.h-1 {
			b.WriteByte('\n')
		}
	}
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// The four grays of a color terminal, darkest first.
const (
	black byte = iota
	darkGray
	lightGray
	white
)

// grayEscapes are the ANSI escapes that paint a character cell in each
// gray, setting the background and the foreground alike so that every
// terminal shows the same gray.
var grayEscapes = [4]string{"\x1b[0;30;40m", "\x1b[0;90;100m", "\x1b[0;37;47m", "\x1b[0;97;107m"}

// grays is a canvas of terminal character cells, each one of the four
// grays. A pixel outside the canvas is not drawn and reads as black.
type grays struct {
	w, h int
	px   []byte
}

func newGrays(w, h int, bg byte) *grays {
	g := &grays{w: w, h: h, px: make([]byte, w*h)}
	for i := range g.px {
		g.px[i] = bg
	}
	return g
}

func (g *grays) set(x, y int, c byte) {
	if x < 0 || x >= g.w || y < 0 || y >= g.h {
		return
	}
	g.px[y*g.w+x] = c
}

func (g *grays) get(x, y int) byte {
	if x < 0 || x >= g.w || y < 0 || y >= g.h {
		return black
	}
	return g.px[y*g.w+x]
}

// render writes the canvas as lines of painted spaces, each followed by
// the escape that resets the colors, with a newline between lines.
func (g *grays) render(b *strings.Builder) {
	b.Grow(g.w*g.h*len("\x1b[0;97;107m \x1b[0m") + g.h + 160)
	for y := range g.h {
		for _, c := range g.px[y*g.w : (y+1)*g.w] {
			b.WriteString(grayEscapes[c])
			b.WriteString(" \x1b[0m")
		}
		if y != g.h-1 {
			b.WriteByte('\n')
		}
	}
}

// building is one skyscraper of a skyline: its left edge, size and gray,
// and whether it has lit windows.
type building struct {
	x, w, h int
	windows bool
	color   byte
}

// skyline draws a city skyline after the parallax backgrounds of 8-bit
// games (the image is from Plaguemon, by hikikomori): two rows of
// windowless towers, the lighter behind the darker, then dark towers with
// windows in front.
func (g *grays) skyline(rnd *rand.Rand) {
	for _, color := range []byte{lightGray, darkGray} {
		for x := -10; x < g.w; {
			x += cRand(rnd) % 8
			b := building{x: x, w: 10 + cRand(rnd)%9, color: color}
			if color == lightGray {
				b.h = g.h/2 + (cRand(rnd)%g.h)/2
				x += b.w / 2
			} else {
				b.h = g.h/2 + (cRand(rnd)%g.h)/3
				x += b.w + 1
			}
			g.building(b, rnd)
		}
	}
	for x := -10; x < g.w; {
		x += cRand(rnd) % 8
		b := building{x: x, w: 5 + cRand(rnd)%14, windows: true, color: black}
		if b.w%4 != 0 {
			b.w += b.w % 3
		}
		b.h = g.h/3 + (cRand(rnd)%g.h)/2
		g.building(b, rnd)
		x += b.w + 5
	}
}

// building draws b standing on the canvas's bottom row. Its roof is two
// pixels narrower on each side. Windows, away from the walls, roof and
// ground, are two pixels wide (a terminal's cells are twice as tall as
// wide) on every other row, each lit in a random gray.
func (g *grays) building(b building, rnd *rand.Rand) {
	bottom := g.h - 1
	top := bottom - b.h + 1
	for y := bottom; y >= top; y-- {
		for x := b.x; x < b.x+b.w; x++ {
			if y == top && (x <= b.x+1 || x >= b.x+b.w-2) {
				continue
			}
			color := b.color
			if b.windows && x > b.x+1 && x < b.x+b.w-2 && y > top+1 && y < bottom-1 {
				wx, wy := x-(b.x+1), y-(top+1)
				if (wx/2)%2 == 1 && wy%2 == 1 {
					if wx%2 == 1 {
						// The window's right half, lit as its left half.
						color = g.get(x-1, y)
					} else {
						for color == b.color {
							color = byte(1 + cRand(rnd)%2)
						}
					}
				}
			}
			g.set(x, y, color)
		}
	}
}
