//lint:file-ignore SA1019 ZREVRANGE, ZRANGEBYSCORE and ZRANGEBYLEX are deprecated in go-redis but still sent by clients, so they are tested through it.

package test

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"quordis/server"
)

// zaddLine returns "ZADD key 1 m1 2 m2 ... n mn", for scripts that cross
// zset-max-listpack-entries.
func zaddLine(key string, n int) string {
	var b strings.Builder
	b.WriteString("ZADD " + key)
	for i := 1; i <= n; i++ {
		b.WriteString(" " + strconv.Itoa(i) + " m" + strconv.Itoa(i))
	}
	return b.String()
}

// zsetCompatCases cover every sorted set command, option and error,
// compared byte for byte with real Redis 7.0 in RESP2 and RESP3. Random
// replies are kept deterministic: ZRANDMEMBER draws from one-member sets
// or asks for the whole set, and ZSCAN scans listpacks (returned whole)
// or a one-member skiplist.
var zsetCompatCases = []compatCase{
	{"zadd", script(
		"ZADD z 1 a", "ZADD z 2 b 3 c", "ZADD z 1 a", "ZADD z CH 5 a 2 b 9 d", "ZRANGE z 0 -1 WITHSCORES",
		"ZADD z", "ZADD z 1", "ZADD z 1 a 2", "ZADD z NX", "ZADD z NX XX 1", "ZADD z x a", "ZADD z nan a",
		"ZADD z NX XX 1 a", "ZADD z GT LT 1 a", "ZADD z GT NX 1 a", "ZADD z LT NX 1 a", "ZADD z NX XX x a",
		"ZADD z INCR 1 a 2 b", "ZADD z INCR NX XX 1 a", "ZADD z INCR 1 a", "ZADD z INCR XX 1 nomember",
		"ZADD z NX INCR 1 a", "ZADD z XX INCR 2 a", "ZADD z GT INCR -1 a", "ZADD z LT INCR -1 a",
		"ZADD z GT 0 a", "ZADD z GT CH 10 a", "ZADD z LT CH 1 a", "ZADD z LT 1 a", "ZADD z XX GT CH 100 b 100 newm",
		"ZADD z XX 1 nothere", "ZADD z GT 7 newmember", "ZADD z NX CH 1 a 1 q", "ZADD z nX cH 2 q 3 r",
		"ZADD z CH CH 4 r", "ZADD z ch 4 r", "ZADD z 1 ''", "ZSCORE z ''", "ZRANGE z 0 -1 WITHSCORES",
		"ZADD nokey XX 1 a", "EXISTS nokey", "ZADD nokey XX INCR 1 a", "EXISTS nokey",
		"SET str x", "ZADD str 1 a", "ZADD str x a", "ZADD str NX XX 1 a", "GET str")},
	{"zadd scores", script(
		"ZADD s 1e400 a", "ZADD s -1e400 a", "ZADD s 1e-400 a", "ZADD s 0x1p-1100 a", "ZADD s 0e-500 a",
		"ZADD s 0x10 b", "ZADD s 0X1P4 b2", "ZADD s inf c -inf d +inf e", "ZADD s Infinity e2 -INF d2",
		"ZADD s ' 1' f", "ZADD s '1 ' f", "ZADD s '' f", "ZADD s 1_0 f", "ZADD s 0x f", "ZADD s 1e f",
		"ZADD s 1e-310 g", "ZADD s -0 h", "ZADD s 1.5e3 i", "ZADD s .5 j", "ZADD s 5. k", "ZADD s +3 l",
		"ZADD s 0.1 m", "ZADD s 1e17 n", "ZADD s 123456789012345678 o", "ZADD s -4611686018427387904 p",
		"ZADD s 3.0000000000000004 q", "ZRANGE s 0 -1 WITHSCORES", "ZSCORE s h", "ZMSCORE s h n o p q",
		"ZSCAN s 0")},
	{"zincrby", script(
		"ZINCRBY z 1 a", "ZINCRBY z 2.5 a", "ZINCRBY z -3.5 a", "ZSCORE z a", "ZADD z inf x", "ZINCRBY z -inf x",
		"ZINCRBY z inf x", "ZSCORE z x", "ZINCRBY z x a", "ZINCRBY z 1e400 a", "ZINCRBY z nx a", "ZINCRBY z incr a",
		"ZINCRBY z 1 a extra", "ZINCRBY z 1", "ZINCRBY nokey 5 m", "ZRANGE nokey 0 -1 WITHSCORES",
		"ZINCRBY z -0 a", "ZINCRBY z 0.1 f", "ZINCRBY z 0.2 f", "SET str x", "ZINCRBY str 1 a", "ZINCRBY str x a")},
	{"zrem zcard", script(
		"ZADD z 1 a 2 b 3 c", "ZREM z a x", "ZREM z x", "ZCARD z", "ZREM z b c c", "EXISTS z", "ZREM nokey a",
		"ZCARD nokey", "ZADD z 1 a 2 b", "ZREM z a a a", "ZCARD z", "ZREM z", "ZCARD", "ZCARD z x",
		"SET str x", "ZREM str a", "ZCARD str")},
	{"zscore zmscore zrank", script(
		"ZADD z 1 a 2 b 3 c 3 d", "ZSCORE z a", "ZSCORE z x", "ZSCORE nokey a", "ZMSCORE z a x b",
		"ZMSCORE nokey a b", "ZMSCORE z", "ZRANK z c", "ZREVRANK z c", "ZRANK z d", "ZREVRANK z a",
		"ZRANK z x", "ZREVRANK z x", "ZRANK nokey a", "ZREVRANK nokey a", "ZRANK z", "ZRANK z a b",
		"ZSCORE z", "SET str x", "ZSCORE str a", "ZMSCORE str a", "ZRANK str a", "ZREVRANK str a",
		zaddLine("big", 200), "ZRANK big m1", "ZRANK big m200", "ZREVRANK big m1", "ZRANK big m150",
		"ZSCORE big m77", "ZMSCORE big m1 nothere m200", "ZRANK big nothere")},
	{"zcount zlexcount", script(
		"ZADD z 1 a 2 b 3 c 4 d", "ZCOUNT z 2 3", "ZCOUNT z (2 3", "ZCOUNT z (2 (3", "ZCOUNT z -inf +inf",
		"ZCOUNT z (-inf (+inf", "ZCOUNT z -INF +Infinity", "ZCOUNT z 3 2", "ZCOUNT z (3 3", "ZCOUNT z 5 9",
		"ZCOUNT z '' 2", "ZCOUNT z ( 2", "ZCOUNT z '( 2' 9", "ZCOUNT z ' ' 2", "ZCOUNT z 1e400 inf",
		"ZCOUNT z 0x1 0x2", "ZCOUNT z a 2", "ZCOUNT z 1 b", "ZCOUNT z nan 2", "ZCOUNT z (nan 2", "ZCOUNT z '1 ' 2",
		"ZCOUNT nokey 1 2", "ZCOUNT nokey a 2",
		"ZADD l 0 a 0 b 0 c 0 d", "ZLEXCOUNT l - +", "ZLEXCOUNT l [b [c", "ZLEXCOUNT l (b (d", "ZLEXCOUNT l + -",
		"ZLEXCOUNT l - -", "ZLEXCOUNT l [c [c", "ZLEXCOUNT l (c [c", "ZLEXCOUNT l [ +", "ZLEXCOUNT l [e +",
		"ZLEXCOUNT l a +", "ZLEXCOUNT l '' +", "ZLEXCOUNT l - +x", "ZLEXCOUNT l -x +", "ZLEXCOUNT nokey - +",
		"ZLEXCOUNT nokey x +", "ZADD m 1 c 2 a 3 b", "ZLEXCOUNT m [a [c", "ZLEXCOUNT m [b [b", "ZLEXCOUNT m - +",
		zaddLine("big", 200), "ZCOUNT big 10 (20", "ZCOUNT big (190 +inf", "ZCOUNT big -inf 0",
		"SET str x", "ZCOUNT str 1 2", "ZCOUNT str a 2", "ZLEXCOUNT str - +", "ZCOUNT z 1", "ZLEXCOUNT z -")},
	{"zrange by rank", script(
		"ZADD z 1 a 2 b 3 c 4 d 5 e", "ZRANGE z 0 -1", "ZRANGE z 0 -1 WITHSCORES", "ZRANGE z 1 2", "ZRANGE z -2 -1",
		"ZRANGE z -100 100", "ZRANGE z 3 1", "ZRANGE z 5 10", "ZRANGE z -1 -2", "ZRANGE z 0 0 withscores withscores",
		"ZRANGE z 0 -1 REV", "ZRANGE z 0 1 REV WITHSCORES", "ZRANGE z 0 -1 REV REV", "ZRANGE z x 1", "ZRANGE z 0 1.5",
		"ZRANGE z 0 -1 LIMIT 0 1", "ZRANGE z 0 -1 LIMIT 0 -1", "ZRANGE z 0 -1 LIMIT 0", "ZRANGE z 0 -1 FOO",
		"ZRANGE z 0 -1 LIMIT x 1", "ZRANGE z 0 -1 BYLEX BYLEX", "ZRANGE nokey 0 -1", "ZRANGE nokey x 1",
		"ZREVRANGE z 0 -1", "ZREVRANGE z 0 1 WITHSCORES", "ZREVRANGE z -2 -1", "ZREVRANGE z 0 -1 REV",
		"ZREVRANGE z 0 -1 BYSCORE", "ZREVRANGE z 0 -1 LIMIT 0 1", "ZRANGE z 9223372036854775807 -9223372036854775808",
		"ZRANGE z -9223372036854775808 9223372036854775807",
		zaddLine("big", 300), "ZRANGE big 0 4", "ZRANGE big -3 -1 WITHSCORES", "ZRANGE big 150 152 REV",
		"ZREVRANGE big 0 2", "ZRANGE big 297 1000", "SET str x", "ZRANGE str 0 -1", "ZRANGE str x 1", "ZRANGE z 0")},
	{"zrange by score", script(
		"ZADD z 1 a 2 b 3 c 4 d 5 e -inf ninf inf pinf", "ZRANGE z 2 4 BYSCORE", "ZRANGE z (2 4 BYSCORE WITHSCORES",
		"ZRANGE z 4 2 BYSCORE REV", "ZRANGE z 4 (2 BYSCORE REV WITHSCORES", "ZRANGE z -inf +inf BYSCORE",
		"ZRANGE z 1 5 BYSCORE LIMIT 1 2", "ZRANGE z 1 5 BYSCORE LIMIT 1 -1", "ZRANGE z 1 5 BYSCORE LIMIT 1 0",
		"ZRANGE z 1 5 BYSCORE LIMIT -1 2", "ZRANGE z 1 5 BYSCORE LIMIT 7 2", "ZRANGE z 1 5 BYSCORE LIMIT 4 10",
		"ZRANGE z 5 1 BYSCORE REV LIMIT 1 2", "ZRANGE z 1 5 BYSCORE LIMIT 1", "ZRANGE z a 5 BYSCORE",
		"ZRANGE z a 5 BYSCORE LIMIT x 1", "ZRANGE z 5 1 BYSCORE", "ZRANGE z 1 5 BYSCORE BYLEX", "ZRANGE z 1 5 BYSCORE BYSCORE",
		"ZRANGEBYSCORE z 2 4", "ZRANGEBYSCORE z (2 (4 WITHSCORES", "ZRANGEBYSCORE z -inf +inf LIMIT 2 3 WITHSCORES",
		"ZRANGEBYSCORE z 2 4 REV", "ZRANGEBYSCORE z 2 4 BYSCORE", "ZRANGEBYSCORE z 2 x", "ZRANGEBYSCORE nokey 1 2",
		"ZRANGEBYSCORE z 10 20", "ZRANGEBYSCORE z 3 3", "ZRANGEBYSCORE z (3 3",
		"ZREVRANGEBYSCORE z 4 2", "ZREVRANGEBYSCORE z +inf -inf WITHSCORES LIMIT 1 2", "ZREVRANGEBYSCORE z 2 4",
		"ZREVRANGEBYSCORE z (4 (2", "ZREVRANGEBYSCORE z x 2", "ZREVRANGEBYSCORE z 4 2 LIMIT 0 0",
		zaddLine("big", 300), "ZRANGEBYSCORE big 100 (105", "ZRANGEBYSCORE big -inf +inf LIMIT 290 100",
		"ZREVRANGEBYSCORE big 150 -inf LIMIT 10 3 WITHSCORES", "ZRANGE big (5 +inf BYSCORE LIMIT 0 2",
		"SET str x", "ZRANGEBYSCORE str 1 2", "ZRANGEBYSCORE str x 2")},
	{"zrange by lex", script(
		"ZADD l 0 a 0 b 0 c 0 d 0 e", "ZRANGE l [b (d BYLEX", "ZRANGE l + - BYLEX REV", "ZRANGE l (d - BYLEX REV LIMIT 1 1",
		"ZRANGE l - + BYLEX WITHSCORES", "ZRANGE l - + BYLEX LIMIT 2 10", "ZRANGE l a + BYLEX",
		"ZRANGEBYLEX l - +", "ZRANGEBYLEX l [b [b", "ZRANGEBYLEX l (b [b", "ZRANGEBYLEX l [ (c", "ZRANGEBYLEX l - + LIMIT 1 2",
		"ZRANGEBYLEX l - + LIMIT -1 2", "ZRANGEBYLEX l [a [b WITHSCORES", "ZRANGEBYLEX l a b", "ZRANGEBYLEX l '' +",
		"ZRANGEBYLEX l + -", "ZRANGEBYLEX l [z +", "ZRANGEBYLEX nokey - +", "ZRANGEBYLEX l - + REV",
		"ZREVRANGEBYLEX l + -", "ZREVRANGEBYLEX l [d (a LIMIT 1 5", "ZREVRANGEBYLEX l - +", "ZREVRANGEBYLEX l + - WITHSCORES",
		"ZADD m 1 c 2 a 3 b", "ZRANGEBYLEX m [a [c", "ZRANGEBYLEX m [b [b", "ZRANGEBYLEX m - (b", "ZREVRANGEBYLEX m [c [a",
		"ZADD lb 0 m1 0 m2 0 m3 0 n1 0 n2 0 n3 0 "+strings.Repeat("x", 70), "OBJECT ENCODING lb",
		"ZRANGEBYLEX lb [m2 (n3", "ZREVRANGEBYLEX lb + [n LIMIT 0 2", "ZLEXCOUNT lb (m [n2",
		"SET str x", "ZRANGEBYLEX str - +", "ZRANGEBYLEX str x +")},
	{"zrangestore", script(
		"ZADD z 1 a 2 b 3 c 4 d", "ZRANGESTORE dst z 0 -1", "ZRANGE dst 0 -1 WITHSCORES", "ZRANGESTORE dst z 1 2 BYSCORE LIMIT 0 1",
		"ZRANGE dst 0 -1 WITHSCORES", "ZRANGESTORE dst z + [b BYLEX REV", "ZRANGESTORE dst z 0 -1 WITHSCORES",
		"ZRANGESTORE dst z 0 -1 LIMIT 0 1", "ZRANGESTORE dst nokey 0 -1", "EXISTS dst", "ZRANGESTORE dst z 2 1 BYSCORE",
		"SET dst2 x", "ZRANGESTORE dst2 z 0 0", "TYPE dst2", "ZADD dst3 9 q", "EXPIRE dst3 100", "ZRANGESTORE dst3 z -1 -1",
		"TTL dst3", "ZRANGE dst3 0 -1", "ZRANGESTORE dst3 z 10 20", "EXISTS dst3", "ZRANGESTORE z z 1 2", "ZRANGE z 0 -1",
		"SET str x", "ZRANGESTORE dst str 0 -1", "ZRANGESTORE str z 0 -1", "TYPE str", "ZRANGESTORE dst z 0",
		zaddLine("big", 130), "ZRANGESTORE b1 big 0 127", "OBJECT ENCODING b1", "ZRANGESTORE b2 big 0 128",
		"OBJECT ENCODING b2", "ZADD long 1 "+strings.Repeat("y", 65)+" 2 s", "ZRANGESTORE b3 long 0 -1", "OBJECT ENCODING b3",
		"ZRANGESTORE b4 long 1 1", "OBJECT ENCODING b4")},
	{"zremrange", script(
		"ZADD z 1 a 2 b 3 c 4 d 5 e", "ZREMRANGEBYRANK z 0 0", "ZREMRANGEBYRANK z -1 -1", "ZREMRANGEBYRANK z 5 10",
		"ZREMRANGEBYRANK z 2 1", "ZRANGE z 0 -1", "ZREMRANGEBYRANK z -100 100", "EXISTS z", "ZREMRANGEBYRANK z x 1",
		"ZREMRANGEBYRANK nokey 0 -1", "ZREMRANGEBYRANK nokey x 1",
		"ZADD s 1 a 2 b 3 c 4 d 5 e", "ZREMRANGEBYSCORE s (1 2", "ZREMRANGEBYSCORE s 10 20", "ZREMRANGEBYSCORE s 4 3",
		"ZREMRANGEBYSCORE s x 1", "ZREMRANGEBYSCORE s -inf (5", "ZRANGE s 0 -1", "ZREMRANGEBYSCORE s -inf +inf", "EXISTS s",
		"ZADD l 0 a 0 b 0 c 0 d", "ZREMRANGEBYLEX l [b (d", "ZREMRANGEBYLEX l a b", "ZREMRANGEBYLEX l + -", "ZRANGE l 0 -1",
		"ZREMRANGEBYLEX l - +", "EXISTS l", "ZREMRANGEBYLEX nokey - +",
		zaddLine("big", 300), "ZREMRANGEBYRANK big 10 19", "ZREMRANGEBYSCORE big 100 (200", "ZCARD big", "ZRANGE big 8 11",
		"ZREMRANGEBYRANK big 0 -50", "ZRANGE big 0 -1", "OBJECT ENCODING big",
		"SET str x", "ZREMRANGEBYRANK str 0 1", "ZREMRANGEBYSCORE str 0 1", "ZREMRANGEBYLEX str - +",
		"ZREMRANGEBYSCORE str x 1", "ZREMRANGEBYRANK z 0")},
	{"zpopmin zpopmax", script(
		"ZADD z 1 a 2 b 3 c 4 d 5 e", "ZPOPMIN z", "ZPOPMAX z", "ZPOPMIN z 2", "ZPOPMAX z 1", "ZPOPMIN z 0",
		"ZPOPMIN z -1", "ZPOPMIN z x", "ZPOPMIN z 1 2", "ZPOPMAX z 10", "EXISTS z", "ZPOPMIN nokey", "ZPOPMIN nokey 5",
		"ZPOPMAX nokey 0", "ZPOPMIN nokey -1", zaddLine("big", 200), "ZPOPMAX big 3", "ZPOPMIN big", "ZCARD big",
		"SET str x", "ZPOPMIN str", "ZPOPMAX str 0", "ZPOPMIN str -1", "ZPOPMIN")},
	{"zmpop", script(
		"ZADD z 1 a 2 b 3 c", "ZMPOP 1 z MIN", "ZMPOP 2 nokey z max COUNT 5", "EXISTS z", "ZMPOP 1 z MIN",
		"ZMPOP 1 nokey MIN", "ZADD z 1 a 2 b", "ZMPOP 0 z MIN", "ZMPOP x z MIN", "ZMPOP -1 z MIN", "ZMPOP 1 z FOO",
		"ZMPOP 2 z MIN", "ZMPOP 1 z MIN COUNT 0", "ZMPOP 1 z MIN COUNT x", "ZMPOP 1 z MIN COUNT", "ZMPOP 1 z MIN COUNT 1 COUNT 1",
		"ZMPOP 1 z MIN FOO", "ZMPOP 1 z MIN COUNT 1 FOO", "ZMPOP 3 z MIN", "SET str x", "ZMPOP 2 str z MIN",
		"ZMPOP 2 z str MAX", "ZMPOP 2 nokey str MIN", "ZMPOP 1 z")},
	{"zrandmember", script(
		"ZADD one 7.5 only", "ZRANDMEMBER one", "ZRANDMEMBER one 1", "ZRANDMEMBER one 1 WITHSCORES",
		"ZRANDMEMBER one -3", "ZRANDMEMBER one -3 WITHSCORES", "ZRANDMEMBER one 5 withscores",
		"ZADD z 1 a 2 b 3 c", "ZRANDMEMBER z 3", "ZRANDMEMBER z 10 WITHSCORES", "ZRANDMEMBER z 0",
		"ZRANDMEMBER z 9223372036854775807", "ZRANDMEMBER z -9223372036854775808", "ZRANDMEMBER z x",
		"ZRANDMEMBER z 1 foo", "ZRANDMEMBER z x foo", "ZRANDMEMBER z 1 WITHSCORES x",
		"ZRANDMEMBER z 4611686018427387904 WITHSCORES", "ZRANDMEMBER z -4611686018427387904 WITHSCORES",
		"ZRANDMEMBER nokey", "ZRANDMEMBER nokey 5", "ZRANDMEMBER nokey -5 WITHSCORES", "ZRANDMEMBER nokey x",
		zaddLine("big", 200), "ZRANDMEMBER big 500", "ZRANDMEMBER big 200 WITHSCORES",
		"SET str x", "ZRANDMEMBER str", "ZRANDMEMBER str 1", "ZRANDMEMBER str x")},
	{"zunion zinter zdiff", script(
		"ZADD a 1 x 2 y 3 z", "ZADD b 10 y 20 z 30 w", "SADD s y w v", "ZUNION 2 a b", "ZUNION 2 a b WITHSCORES",
		"ZUNION 2 a b WEIGHTS 2 0.5 WITHSCORES", "ZUNION 2 a b AGGREGATE MIN WITHSCORES", "ZUNION 2 a b aggregate max withscores",
		"ZUNION 3 a b s WITHSCORES", "ZUNION 2 a nokey WITHSCORES", "ZUNION 1 nokey", "ZUNION 2 a a WITHSCORES",
		"ZINTER 2 a b WITHSCORES", "ZINTER 2 a b WEIGHTS 1 -1 AGGREGATE MAX WITHSCORES", "ZINTER 3 a b s WITHSCORES",
		"ZINTER 2 a nokey", "ZINTER 2 a a WITHSCORES", "ZINTER 1 s WITHSCORES", "ZDIFF 2 a b WITHSCORES", "ZDIFF 2 b a",
		"ZDIFF 2 a a", "ZDIFF 1 a WITHSCORES", "ZDIFF 2 nokey a", "ZDIFF 2 b s WITHSCORES", "ZDIFF 2 s a",
		"ZADD inf 1 x inf y", "ZADD ninf 1 x -inf y", "ZUNION 2 inf ninf WITHSCORES", "ZINTER 2 inf ninf WITHSCORES",
		"ZUNION 1 inf WEIGHTS 0 WITHSCORES", "ZINTER 2 inf inf WEIGHTS 0 1 AGGREGATE MIN WITHSCORES",
		"ZUNION 2 a b WEIGHTS 1 inf WITHSCORES", "ZUNION 2 a b WEIGHTS 1e400 1", "ZUNION 2 a b WEIGHTS 1 x",
		"ZUNION 2 a b WEIGHTS 1", "ZUNION 2 a b AGGREGATE foo", "ZUNION 2 a b AGGREGATE", "ZUNION 2 a b FOO",
		"ZUNION 0 a", "ZUNION -1 a", "ZUNION x a", "ZUNION 3 a b", "ZDIFF 2 a b WEIGHTS 1 1", "ZDIFF 2 a b AGGREGATE SUM",
		"ZINTER 2 a b LIMIT 1", "ZUNION 2 a b WITHSCORES WITHSCORES",
		"SET str x", "ZUNION 2 a str", "ZUNION 2 str nokey WEIGHTS x", "ZINTER 2 nokey str", "ZDIFF 2 a str", "ZUNION 1")},
	{"zintercard", script(
		"ZADD a 1 x 2 y 3 z", "ZADD b 10 y 20 z 30 w", "SADD s y z", "ZINTERCARD 2 a b", "ZINTERCARD 3 a b s",
		"ZINTERCARD 2 a b LIMIT 1", "ZINTERCARD 2 a b LIMIT 0", "ZINTERCARD 2 a b LIMIT 5", "ZINTERCARD 2 a b LIMIT -1",
		"ZINTERCARD 2 a b LIMIT x", "ZINTERCARD 2 a b LIMIT", "ZINTERCARD 2 a b WEIGHTS 1 2", "ZINTERCARD 2 a b WITHSCORES",
		"ZINTERCARD 1 nokey", "ZINTERCARD 0 a", "ZINTERCARD 3 a b", "SET str x", "ZINTERCARD 2 a str", "ZINTERCARD 1")},
	{"zunionstore zinterstore zdiffstore", script(
		"ZADD a 1 x 2 y 3 z", "ZADD b 10 y 20 z 30 w", "SADD s y w v", "ZUNIONSTORE d 2 a b", "ZRANGE d 0 -1 WITHSCORES",
		"ZUNIONSTORE d 2 a b WEIGHTS 2 3 AGGREGATE MAX", "ZRANGE d 0 -1 WITHSCORES", "ZINTERSTORE d 3 a b s",
		"ZRANGE d 0 -1 WITHSCORES", "ZDIFFSTORE d 2 b a", "ZRANGE d 0 -1 WITHSCORES", "ZINTERSTORE d 2 a nokey", "EXISTS d",
		"ZDIFFSTORE d 2 a a", "SET d2 x", "EXPIRE d2 100", "ZUNIONSTORE d2 1 a", "TYPE d2", "TTL d2", "ZUNIONSTORE a 2 a b",
		"ZRANGE a 0 -1 WITHSCORES", "ZUNIONSTORE d 2 a b WITHSCORES", "ZUNIONSTORE d 0 a", "ZUNIONSTORE d 3 a b",
		"ZUNIONSTORE d x a", "ZDIFFSTORE d 2 a b WEIGHTS 1 1", "ZINTERSTORE d 2 a b LIMIT 1", "ZUNIONSTORE d",
		"ZUNIONSTORE d 1", "SET str x", "ZUNIONSTORE d 2 a str", "ZINTERSTORE str 2 a b", "TYPE str",
		zaddLine("big", 200), "ZUNIONSTORE u 1 big", "OBJECT ENCODING u", "ZINTERSTORE i 2 big a", "OBJECT ENCODING i",
		"ZDIFFSTORE df 2 big a", "OBJECT ENCODING df", "ZREMRANGEBYRANK big 0 -100", "ZUNIONSTORE u2 1 big",
		"OBJECT ENCODING u2", "ZADD long 1 "+strings.Repeat("y", 65), "ZUNIONSTORE u3 1 long", "OBJECT ENCODING u3")},
	{"zscan", script(
		"ZADD z 1 a 2.5 b 1e17 c -0 d inf e", "ZSCAN z 0", "ZSCAN z 0 MATCH a*", "ZSCAN z 0 COUNT 1", "ZSCAN z 0 MATCH",
		"ZSCAN z 0 COUNT 0", "ZSCAN z 0 COUNT x", "ZSCAN z 0 TYPE zset", "ZSCAN z 0 FOO bar", "ZSCAN z x", "ZSCAN z -1", "ZSCAN z ''", "ZSCAN z +0",
		"ZSCAN z -", "ZSCAN z ' 1'", "ZSCAN z 18446744073709551615", "ZSCAN z 18446744073709551616", "ZSCAN z 1.0",
		"ZSCAN nokey 0", "ZSCAN nokey 0 COUNT x", "ZSCAN nokey x", "ZADD one 1e17 "+strings.Repeat("q", 70),
		"ZSCAN one 0", "ZSCAN one 0 MATCH x*", "SET str x", "ZSCAN str 0", "ZSCAN str x", "ZSCAN z")},
	{"more options", script(
		"ZADD z GT INCR 5 newm", "ZADD z LT INCR 5 newm", "ZADD z GT INCR 1 newm", "ZADD z XX LT CH 1 newm 2 other",
		"ZADD z 1 a 2 b 3 c", "ZRANGE z (1 (+inf BYSCORE", "ZRANGE z (+inf -inf BYSCORE REV LIMIT 1 100",
		"ZRANGEBYSCORE z (-inf (+inf WITHSCORES LIMIT 0 2", "ZUNION 2 z z WEIGHTS 1 2 AGGREGATE SUM WEIGHTS 3 4 WITHSCORES",
		"ZUNION 2 z z WEIGHTS 1 2 3", "ZINTERCARD 1 z LIMIT 1 LIMIT 0", "ZDIFF 1 z WITHSCORES WITHSCORES",
		"SADD ints 3 1 2", "ZADD zi 5 1 6 2 7 01", "ZINTER 2 zi ints WITHSCORES", "ZUNION 2 ints zi WITHSCORES",
		"ZDIFF 2 zi ints WITHSCORES", "ZINTERSTORE dst 2 ints zi WEIGHTS 2 1", "ZRANGE dst 0 -1 WITHSCORES",
		"ZADD lex 0 a 0 b 0 c 0 d 0 e 0 "+strings.Repeat("z", 65), "OBJECT ENCODING lex", "ZREMRANGEBYLEX lex (a [c",
		"ZREMRANGEBYLEX lex [zz +", "ZRANGE lex 0 -1", "ZLEXCOUNT lex - +", "ZREMRANGEBYLEX lex - +", "EXISTS lex",
		"ZINCRBY long 1 "+strings.Repeat("k", 65), "OBJECT ENCODING long", "ZADD z 9007199254740993 big", "ZSCORE z big",
		"ZADD z 1 a x b", "ZCARD z",
		"COMMAND GETKEYS zunionstore d 2 a b", "COMMAND GETKEYS zunion 2 a b WEIGHTS 1 2", "COMMAND GETKEYS zmpop 2 a b MIN",
		"COMMAND GETKEYS zmpop 3 a b MIN", "COMMAND GETKEYS zintercard 1 a LIMIT 1", "COMMAND GETKEYS zdiffstore d 1 a",
		"COMMAND GETKEYS zrangestore d s 0 -1", "COMMAND GETKEYSANDFLAGS zunionstore d 2 a b",
		"COMMAND GETKEYSANDFLAGS zmpop 1 a MIN", "COMMAND GETKEYSANDFLAGS zrangestore d s 0 1")},
	{"replies inside MULTI", script(
		"ZADD z 1 a 2 b 3 c", "MULTI", "ZRANGE z 0 -1 WITHSCORES", "ZSCAN z 0", "ZRANDMEMBER z 5", "ZADD z 0 x",
		"ZREM z b", "ZINCRBY z 5 a", "ZRANGE z 0 -1", "ZREMRANGEBYRANK z 0 0", "ZPOPMIN z", "ZRANGEBYLEX z - +", "EXEC")},
	{"thresholds set at run time", script(
		"CONFIG SET zset-max-listpack-entries 2 zset-max-listpack-value 4",
		"CONFIG GET zset-max-ziplist-entries", "CONFIG GET zset-max-ziplist-value",
		"ZADD z 1 a 2 b", "OBJECT ENCODING z", "ZADD z 3 c", "OBJECT ENCODING z",
		"ZADD v 1 abcd", "OBJECT ENCODING v", "ZADD v 2 abcde", "OBJECT ENCODING v",
		"ZADD n 1 abcde", "OBJECT ENCODING n", "ZINCRBY i 1 abcde", "OBJECT ENCODING i",
		// Raising the thresholds leaves skiplists as they are.
		"CONFIG SET zset-max-ziplist-entries 128 zset-max-ziplist-value 64",
		"ZREM z c", "ZADD z 4 d", "OBJECT ENCODING z", "ZRANGE z 0 -1 WITHSCORES",
		// Lowering them converts a listpack at its next insertion, never at
		// a score update.
		"ZADD w 1 a 2 b 3 c", "ZADD w2 1 abcdef", "CONFIG SET zset-max-listpack-entries 2 zset-max-listpack-value 4",
		"ZADD w 5 a", "OBJECT ENCODING w", "ZINCRBY w 1 b", "OBJECT ENCODING w", "ZADD w2 7 abcdef",
		"OBJECT ENCODING w2", "ZADD w 1 d", "OBJECT ENCODING w", "ZADD w2 1 ab", "OBJECT ENCODING w2",
		"ZADD w2 1 abc", "OBJECT ENCODING w2",
		"CONFIG SET zset-max-listpack-entries 0", "ZADD e 1 a", "OBJECT ENCODING e",
		"CONFIG SET zset-max-listpack-entries 3 zset-max-listpack-value 64", "ZADD x 1 a 2 b", "ZADD y 3 c 4 d",
		"ZUNIONSTORE u 2 x y", "OBJECT ENCODING u", "ZUNIONSTORE u3 2 x x", "OBJECT ENCODING u3",
		"ZRANGESTORE r u 0 1", "OBJECT ENCODING r", "ZRANGESTORE r2 u 0 -1", "OBJECT ENCODING r2",
		"ZDIFFSTORE d 2 u x", "OBJECT ENCODING d",
		"GEOADD g 13.36 38.11 Palermo 15.08 37.50 Catania 13.58 37.31 Agrigento", "OBJECT ENCODING g",
		"GEOADD g 14 38 Other", "OBJECT ENCODING g",
		"GEOSEARCHSTORE gs g FROMLONLAT 15 37 BYRADIUS 500 km ASC", "OBJECT ENCODING gs",
		"GEOSEARCHSTORE gs2 g FROMLONLAT 15 37 BYRADIUS 500 km ASC COUNT 2", "OBJECT ENCODING gs2",
		"CONFIG SET zset-max-listpack-value -1", "CONFIG GET zset-max-listpack-value")},
	{"encodings", script(
		zaddLine("z", 128), "OBJECT ENCODING z", "ZADD z 5 m1", "OBJECT ENCODING z", "ZADD z 1 m129", "OBJECT ENCODING z",
		"ZREMRANGEBYRANK z 0 -5", "OBJECT ENCODING z", "ZADD v 1 "+strings.Repeat("v", 64), "OBJECT ENCODING v",
		"ZADD v 1 "+strings.Repeat("v", 65), "OBJECT ENCODING v", "ZADD w 1 "+strings.Repeat("w", 65)+" 2 x",
		"OBJECT ENCODING w", "ZADD dup 1 a 1 a 1 a 1 a", "OBJECT ENCODING dup", "ZADD lp -0 a", "ZSCORE lp a",
		zaddLine("sl", 129), "ZADD sl -0 a", "ZSCORE sl a", "ZINCRBY sl -0 a", "ZINCRBY lp -0 a", "ZADD sl 0 b",
		"ZRANGEBYSCORE sl 0 0 WITHSCORES", "COPY sl sl2", "OBJECT ENCODING sl2", "ZRANGE sl2 0 2 WITHSCORES",
		"COPY lp lp2", "OBJECT ENCODING lp2", "TYPE lp2")},
}

// TestZSetRepliesMatchRedis runs the sorted set scripts against Quordis
// and real Redis 7.0 and requires byte-identical replies.
func TestZSetRepliesMatchRedis(t *testing.T) { runCompat(t, zsetCompatCases) }

// TestZSetsThroughGoRedis drives every sorted set command through
// go-redis's typed API over RESP2 and RESP3.
func TestZSetsThroughGoRedis(t *testing.T) {
	srv := StartServer(t)
	srv.EachProtocol(t, func(t *testing.T, ctx context.Context, rdb *redis.Client) {
		z := func(score float64, m string) redis.Z { return redis.Z{Score: score, Member: m} }

		require.Equal(t, int64(3), rdb.ZAdd(ctx, "z", z(1, "a"), z(2, "b"), z(3, "c")).Val())
		require.Equal(t, int64(1), rdb.ZAddNX(ctx, "z", z(9, "a"), z(4, "d")).Val())
		require.Equal(t, int64(0), rdb.ZAddXX(ctx, "z", z(1.5, "a"), z(9, "nope")).Val())
		require.Equal(t, int64(1), rdb.ZAddArgs(ctx, "z", redis.ZAddArgs{GT: true, Ch: true, Members: []redis.Z{z(5, "d"), z(0, "b")}}).Val())
		require.Equal(t, 7.5, rdb.ZAddArgsIncr(ctx, "z", redis.ZAddArgs{XX: true, Members: []redis.Z{z(2.5, "d")}}).Val())
		require.Equal(t, redis.Nil, rdb.ZAddArgsIncr(ctx, "z", redis.ZAddArgs{NX: true, Members: []redis.Z{z(1, "d")}}).Err())
		require.Equal(t, 3.5, rdb.ZIncrBy(ctx, "z", 2, "a").Val())
		require.Equal(t, int64(4), rdb.ZCard(ctx, "z").Val())
		require.Equal(t, 2.0, rdb.ZScore(ctx, "z", "b").Val())
		require.Equal(t, redis.Nil, rdb.ZScore(ctx, "z", "x").Err())
		require.Equal(t, []float64{2, 0, 7.5}, rdb.ZMScore(ctx, "z", "b", "x", "d").Val())
		require.Equal(t, int64(2), rdb.ZRank(ctx, "z", "a").Val())
		require.Equal(t, int64(0), rdb.ZRevRank(ctx, "z", "d").Val())
		require.Equal(t, redis.Nil, rdb.ZRank(ctx, "z", "x").Err())
		require.Equal(t, int64(2), rdb.ZCount(ctx, "z", "(2", "3.5").Val())

		require.Equal(t, []string{"b", "c", "a", "d"}, rdb.ZRange(ctx, "z", 0, -1).Val())
		require.Equal(t, []redis.Z{z(3.5, "a"), z(7.5, "d")}, rdb.ZRangeWithScores(ctx, "z", -2, -1).Val())
		require.Equal(t, []string{"d", "a"}, rdb.ZRevRange(ctx, "z", 0, 1).Val())
		require.Equal(t, []redis.Z{z(7.5, "d")}, rdb.ZRevRangeWithScores(ctx, "z", 0, 0).Val())
		require.Equal(t, []string{"c", "a"}, rdb.ZRangeByScore(ctx, "z", &redis.ZRangeBy{Min: "(2", Max: "+inf", Count: 2}).Val())
		require.Equal(t, []redis.Z{z(3, "c"), z(3.5, "a")}, rdb.ZRangeByScoreWithScores(ctx, "z", &redis.ZRangeBy{Min: "3", Max: "4"}).Val())
		require.Equal(t, []string{"a", "c"}, rdb.ZRevRangeByScore(ctx, "z", &redis.ZRangeBy{Min: "-inf", Max: "+inf", Offset: 1, Count: 2}).Val())
		require.Equal(t, []redis.Z{z(7.5, "d"), z(3.5, "a")}, rdb.ZRevRangeByScoreWithScores(ctx, "z", &redis.ZRangeBy{Min: "(3", Max: "10"}).Val())
		require.Equal(t, []string{"a", "c"}, rdb.ZRangeArgs(ctx, redis.ZRangeArgs{Key: "z", Start: "(7.5", Stop: "3", ByScore: true, Rev: true}).Val())
		require.Equal(t, []redis.Z{z(3, "c")}, rdb.ZRangeArgsWithScores(ctx, redis.ZRangeArgs{Key: "z", Start: 1, Stop: 1}).Val())
		require.Equal(t, int64(2), rdb.ZRangeStore(ctx, "st", redis.ZRangeArgs{Key: "z", Start: 0, Stop: 1}).Val())
		require.Equal(t, []string{"b", "c"}, rdb.ZRange(ctx, "st", 0, -1).Val())

		rdb.ZAdd(ctx, "lex", z(0, "a"), z(0, "b"), z(0, "c"), z(0, "d"))
		require.Equal(t, int64(2), rdb.ZLexCount(ctx, "lex", "[b", "+").Val()-1)
		require.Equal(t, []string{"b", "c"}, rdb.ZRangeByLex(ctx, "lex", &redis.ZRangeBy{Min: "(a", Max: "[c"}).Val())
		require.Equal(t, []string{"c", "b"}, rdb.ZRevRangeByLex(ctx, "lex", &redis.ZRangeBy{Min: "-", Max: "+", Offset: 1, Count: 2}).Val())
		require.Equal(t, int64(2), rdb.ZRemRangeByLex(ctx, "lex", "[a", "(c").Val())
		require.Equal(t, int64(1), rdb.ZRemRangeByRank(ctx, "lex", -1, -1).Val())
		require.Equal(t, int64(1), rdb.ZRemRangeByScore(ctx, "lex", "-inf", "0").Val())
		require.Equal(t, int64(0), rdb.Exists(ctx, "lex").Val())

		require.Equal(t, []redis.Z{z(2, "b")}, rdb.ZPopMin(ctx, "z").Val())
		require.Equal(t, []redis.Z{z(7.5, "d"), z(3.5, "a")}, rdb.ZPopMax(ctx, "z", 2).Val())
		key, popped, err := rdb.ZMPop(ctx, "min", 5, "nokey", "z").Result()
		require.NoError(t, err)
		require.Equal(t, "z", key)
		require.Equal(t, []redis.Z{z(3, "c")}, popped)
		require.Equal(t, redis.Nil, rdb.ZMPop(ctx, "max", 1, "z").Err())
		require.Empty(t, rdb.ZPopMin(ctx, "z", 3).Val())

		rdb.ZAdd(ctx, "r", z(1, "x"), z(2, "y"), z(3, "w"))
		require.Contains(t, []string{"x", "y", "w"}, rdb.ZRandMember(ctx, "r", 1).Val()[0])
		require.ElementsMatch(t, []string{"x", "y", "w"}, rdb.ZRandMember(ctx, "r", 5).Val())
		require.Len(t, rdb.ZRandMember(ctx, "r", -7).Val(), 7)
		require.Equal(t, []redis.Z{z(3, "w"), z(2, "y"), z(1, "x")}, rdb.ZRandMemberWithScores(ctx, "r", 3).Val())

		rdb.ZAdd(ctx, "u", z(10, "y"), z(20, "v"))
		rdb.SAdd(ctx, "s", "x", "v")
		require.Equal(t, []string{"x", "y", "w", "v"}, rdb.ZUnion(ctx, redis.ZStore{Keys: []string{"r", "u"}, Aggregate: "MIN"}).Val())
		require.Equal(t, []redis.Z{z(2, "x"), z(3, "w"), z(12, "y"), z(21, "v")},
			rdb.ZUnionWithScores(ctx, redis.ZStore{Keys: []string{"r", "u", "s"}}).Val())
		require.Equal(t, []string{"y"}, rdb.ZInter(ctx, &redis.ZStore{Keys: []string{"r", "u"}}).Val())
		require.Equal(t, []redis.Z{z(24, "y")}, rdb.ZInterWithScores(ctx, &redis.ZStore{Keys: []string{"r", "u"}, Weights: []float64{2, 2}}).Val())
		require.Equal(t, int64(1), rdb.ZInterCard(ctx, 0, "r", "s").Val())
		require.Equal(t, int64(1), rdb.ZInterStore(ctx, "i", &redis.ZStore{Keys: []string{"r", "s"}}).Val())
		require.Equal(t, int64(4), rdb.ZUnionStore(ctx, "un", &redis.ZStore{Keys: []string{"r", "u"}}).Val())
		require.Equal(t, []string{"w"}, rdb.ZDiff(ctx, "r", "u", "s").Val())
		require.Equal(t, []redis.Z{z(3, "w")}, rdb.ZDiffWithScores(ctx, "r", "u", "s").Val())
		require.Equal(t, int64(2), rdb.ZDiffStore(ctx, "df", "r", "u").Val())
		require.Equal(t, "listpack", rdb.ObjectEncoding(ctx, "df").Val())

		members, cursor, err := rdb.ZScan(ctx, "r", 0, "", 1).Result()
		require.NoError(t, err)
		require.Zero(t, cursor, "a listpack answers in one call")
		require.Equal(t, []string{"x", "1", "y", "2", "w", "3"}, members)
		require.Equal(t, int64(3), rdb.ZRem(ctx, "r", "x", "y", "w", "nope").Val())

		rdb.Set(ctx, "str", "v", 0)
		require.EqualError(t, rdb.ZAdd(ctx, "str", z(1, "a")).Err(), "WRONGTYPE Operation against a key holding the wrong kind of value")
		require.EqualError(t, rdb.Do(ctx, "ZADD", "z", "GT", "LT", 1, "a").Err(),
			"ERR GT, LT, and/or NX options at the same time are not compatible")
		require.EqualError(t, rdb.ZRangeByScore(ctx, "u", &redis.ZRangeBy{Min: "x", Max: "1"}).Err(), "ERR min or max is not a float")
		require.EqualError(t, rdb.ZInterCard(ctx, -1, "u").Err(), "ERR LIMIT can't be negative")
		require.Equal(t, math.Inf(1), rdb.ZIncrBy(ctx, "inf", math.Inf(1), "m").Val())
		require.EqualError(t, rdb.ZIncrBy(ctx, "inf", math.Inf(-1), "m").Err(), "ERR resulting score is not a number (NaN)")
	})
}

// TestZSetWithAMillionMembers builds a 1M-member sorted set with pipelined
// ZADDs and checks its size, encoding, ranks, both ends, ranges by rank
// and score, deletions of ranges and pops.
func TestZSetWithAMillionMembers(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a million-member sorted set")
	}
	srv := StartServer(t)
	ctx := context.Background()
	rdb := srv.ClientWith(t, &redis.Options{ReadTimeout: time.Minute, MaxRetries: -1})
	const n, batch = 1_000_000, 1000
	member := func(i int) string { return fmt.Sprintf("m:%07d", i) }
	// Scores are a permutation of 0..n-1 (i*7919 mod n), so insertion
	// order is not score order; member i has score (i*7919)%n.
	score := func(i int) float64 { return float64(i * 7919 % n) }
	byScore := make([]int, n) // byScore[s] is the member with score s
	for i := range byScore {
		byScore[int(score(i))] = i
	}

	require.Equal(t, int64(batch), rdb.ZAdd(ctx, "big", zbatch(0, batch, member, score)...).Val())
	require.Equal(t, "skiplist", rdb.ObjectEncoding(ctx, "big").Val())
	for lo := batch; lo < n; lo += 20 * batch {
		p := rdb.Pipeline()
		for j := lo; j < min(n, lo+20*batch); j += batch {
			p.ZAdd(ctx, "big", zbatch(j, batch, member, score)...)
		}
		_, err := p.Exec(ctx)
		require.NoError(t, err)
	}
	require.Equal(t, int64(n), rdb.ZCard(ctx, "big").Val())
	require.Equal(t, int64(0), rdb.ZAdd(ctx, "big", redis.Z{Score: score(5), Member: member(5)}).Val())

	for _, s := range []int{0, 1, 499_999, n - 2, n - 1} {
		m := member(byScore[s])
		require.Equal(t, int64(s), rdb.ZRank(ctx, "big", m).Val(), "rank of %s", m)
		require.Equal(t, int64(n-1-s), rdb.ZRevRank(ctx, "big", m).Val())
		require.Equal(t, float64(s), rdb.ZScore(ctx, "big", m).Val())
	}
	want := func(scores ...int) []string {
		out := make([]string, len(scores))
		for i, s := range scores {
			out[i] = member(byScore[s])
		}
		return out
	}
	require.Equal(t, want(0, 1, 2), rdb.ZRange(ctx, "big", 0, 2).Val())
	require.Equal(t, want(n-3, n-2, n-1), rdb.ZRange(ctx, "big", -3, -1).Val())
	require.Equal(t, want(n-1, n-2), rdb.ZRevRange(ctx, "big", 0, 1).Val())
	require.Equal(t, want(2, 1), rdb.ZRevRange(ctx, "big", -3, -2).Val())
	require.Equal(t, want(500_010, 500_011, 500_012),
		rdb.ZRangeByScore(ctx, "big", &redis.ZRangeBy{Min: "(500000", Max: "+inf", Offset: 9, Count: 3}).Val())
	require.Equal(t, want(999_989, 999_988),
		rdb.ZRevRangeByScore(ctx, "big", &redis.ZRangeBy{Min: "-inf", Max: "999999", Offset: 10, Count: 2}).Val())
	require.Equal(t, int64(1001), rdb.ZCount(ctx, "big", "1000", "2000").Val())
	rangeZ, err := rdb.ZRangeArgsWithScores(ctx, redis.ZRangeArgs{Key: "big", Start: 250_000, Stop: "-inf", ByScore: true, Rev: true, Count: 2}).Result()
	require.NoError(t, err)
	require.Equal(t, []redis.Z{{Score: 250_000, Member: want(250_000)[0]}, {Score: 249_999, Member: want(249_999)[0]}}, rangeZ)

	// Remove the lower half by rank, then pop from both ends.
	require.Equal(t, int64(n/2), rdb.ZRemRangeByRank(ctx, "big", 0, n/2-1).Val())
	require.Equal(t, int64(n/2), rdb.ZCard(ctx, "big").Val())
	require.Equal(t, want(n/2), rdb.ZRange(ctx, "big", 0, 0).Val())
	require.Equal(t, redis.Nil, rdb.ZRank(ctx, "big", member(byScore[0])).Err())
	require.Equal(t, int64(0), rdb.ZRank(ctx, "big", member(byScore[n/2])).Val())
	require.Equal(t, int64(1000), rdb.ZRemRangeByScore(ctx, "big", "600000", "(601000").Val())
	require.Equal(t, int64(n/2-1000), rdb.ZCard(ctx, "big").Val())
	require.Equal(t, []redis.Z{{Score: float64(n / 2), Member: want(n / 2)[0]}}, rdb.ZPopMin(ctx, "big").Val())
	require.Equal(t, []redis.Z{{Score: n - 1, Member: want(n - 1)[0]}}, rdb.ZPopMax(ctx, "big").Val())
	require.Equal(t, "skiplist", rdb.ObjectEncoding(ctx, "big").Val(), "a skiplist never goes back")
	require.Equal(t, int64(n/2-1002), rdb.ZRemRangeByRank(ctx, "big", 0, -1).Val())
	require.Equal(t, int64(0), rdb.Exists(ctx, "big").Val())
}

// zbatch returns members lo..lo+k-1 with their scores.
func zbatch(lo, k int, member func(int) string, score func(int) float64) []redis.Z {
	out := make([]redis.Z, k)
	for i := range out {
		out[i] = redis.Z{Score: score(lo + i), Member: member(lo + i)}
	}
	return out
}

// TestZscanReturnsEveryStableMemberWhileMembersChange checks ZSCAN's
// guarantee on a skiplist while another client adds and removes members,
// growing and shrinking its table between steps.
func TestZscanReturnsEveryStableMemberWhileMembersChange(t *testing.T) {
	srv := StartServer(t)
	ctx := context.Background()
	rdb := srv.Client(t)
	stable := map[string]bool{}
	for i := 0; i < 3000; i += 500 {
		var zs []redis.Z
		for j := i; j < i+500; j++ {
			m := fmt.Sprint("stable:", j)
			stable[m] = true
			zs = append(zs, redis.Z{Score: float64(j), Member: m})
		}
		require.NoError(t, rdb.ZAdd(ctx, "z", zs...).Err())
	}
	seen := map[string]bool{}
	var cursor uint64
	for round := 0; ; round++ {
		kv, next, err := rdb.ZScan(ctx, "z", cursor, "stable:*", 100).Result()
		require.NoError(t, err)
		for i := 0; i < len(kv); i += 2 {
			seen[kv[i]] = true
			require.Equal(t, strings.TrimPrefix(kv[i], "stable:"), kv[i+1], "score of %s", kv[i])
		}
		p := rdb.Pipeline()
		for j := 0; j < 400; j++ {
			if round%2 == 0 {
				p.ZAdd(ctx, "z", redis.Z{Score: -1, Member: fmt.Sprint("churn:", j)})
			} else {
				p.ZRem(ctx, "z", fmt.Sprint("churn:", j))
			}
		}
		_, err = p.Exec(ctx)
		require.NoError(t, err)
		if cursor = next; cursor == 0 {
			break
		}
	}
	for m := range stable {
		require.True(t, seen[m], "ZSCAN missed %s", m)
	}
}

// TestZrandmemberDrawsDistinctMembers checks ZRANDMEMBER's positive counts
// in every strategy (listpack, most of a skiplist, a few of a skiplist):
// distinct members of the set with their scores.
func TestZrandmemberDrawsDistinctMembers(t *testing.T) {
	srv := StartServer(t)
	ctx := context.Background()
	rdb := srv.Client(t)
	for _, size := range []int{100, 1000} {
		key := fmt.Sprint("z", size)
		require.NoError(t, rdb.ZAdd(ctx, key, zbatch(0, size, func(i int) string { return fmt.Sprint("m", i) },
			func(i int) float64 { return float64(i) })...).Err())
		for _, count := range []int{1, 10, size / 2, size - 1, size} {
			got, err := rdb.ZRandMemberWithScores(ctx, key, count).Result()
			require.NoError(t, err)
			require.Len(t, got, count)
			seen := map[string]bool{}
			for _, z := range got {
				m := z.Member.(string)
				require.False(t, seen[m], "%s drawn twice", m)
				seen[m] = true
				require.Equal(t, m, fmt.Sprint("m", int(z.Score)))
			}
		}
	}
}

// TestZSetWritesPropagate checks the effects of sorted set writes: ZMPOP
// as the ZPOPMIN or ZPOPMAX it amounts to, as Redis 7.0 does, other writes
// as they are, and writes that change nothing not at all.
func TestZSetWritesPropagate(t *testing.T) {
	rec := &recorder{}
	srv := StartServerWith(t, server.Options{Propagator: rec}, "hz 1")
	ctx := context.Background()
	rdb := srv.ClientWith(t, &redis.Options{Protocol: 2, DisableIdentity: true})
	rec.take()
	do := func(args ...any) {
		t.Helper()
		rdb.Do(ctx, args...)
	}
	do("ZADD", "z", "1", "a", "2", "b", "3", "c")
	do("ZADD", "z", "1", "a")
	do("ZADD", "z", "XX", "1", "nope")
	do("ZREM", "z", "nope")
	do("ZREMRANGEBYSCORE", "z", "10", "20")
	do("ZRANGESTORE", "dst", "nokey", "0", "-1")
	do("ZPOPMIN", "nokey")
	do("ZINCRBY", "z", "1", "a")
	do("ZMPOP", "2", "nokey", "z", "MAX", "COUNT", "5")
	require.Equal(t, []string{"0 ZADD z 1 a 2 b 3 c", "0 ZINCRBY z 1 a", "0 ZPOPMAX z 3"}, rec.take())
	do("ZADD", "z", "1", "a", "2", "b")
	do("ZMPOP", "1", "z", "MIN")
	do("ZPOPMIN", "z")
	do("ZMPOP", "1", "z", "MIN")
	do("ZUNIONSTORE", "u", "1", "nokey")
	require.Equal(t, []string{"0 ZADD z 1 a 2 b", "0 ZPOPMIN z 1", "0 ZPOPMIN z"}, rec.take())
}

// TestZSetWatchIsTouchedOnlyByChanges checks that a sorted set write
// invalidates a WATCH only when it changes the set.
func TestZSetWatchIsTouchedOnlyByChanges(t *testing.T) {
	srv := StartServer(t)
	ctx := context.Background()
	rdb, other := srv.Client(t), srv.Client(t)
	require.NoError(t, rdb.ZAdd(ctx, "z", redis.Z{Score: 1, Member: "a"}).Err())
	watched := func(write func()) error {
		return rdb.Watch(ctx, func(tx *redis.Tx) error {
			write()
			_, err := tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
				p.ZCard(ctx, "z")
				return nil
			})
			return err
		}, "z")
	}
	for name, write := range map[string]func(){
		"same score":     func() { other.ZAdd(ctx, "z", redis.Z{Score: 1, Member: "a"}) },
		"absent member":  func() { other.ZRem(ctx, "z", "nope") },
		"empty range":    func() { other.ZRemRangeByScore(ctx, "z", "5", "9") },
		"read":           func() { other.ZRange(ctx, "z", 0, -1) },
		"XX on new":      func() { other.ZAddXX(ctx, "z", redis.Z{Score: 2, Member: "b"}) },
		"GT not greater": func() { other.ZAddGT(ctx, "z", redis.Z{Score: 0, Member: "a"}) },
	} {
		require.NoError(t, watched(write), name)
	}
	for name, write := range map[string]func(){
		"new score": func() { other.ZAdd(ctx, "z", redis.Z{Score: 2, Member: "a"}) },
		"pop":       func() { other.ZPopMin(ctx, "z") },
		"store":     func() { other.ZUnionStore(ctx, "z", &redis.ZStore{Keys: []string{"nokey"}}) },
	} {
		require.Equal(t, redis.TxFailedErr, watched(write), name)
		other.ZAdd(ctx, "z", redis.Z{Score: 1, Member: "a"})
	}
}
