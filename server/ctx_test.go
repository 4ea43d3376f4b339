package server

import (
	"reflect"
	"testing"

	"github.com/stretchr/testify/require"

	"quordis/conf"
)

// TestReleasedCtxHoldsNothing fills every field of a Ctx, releases it and
// checks that it went back to the zero Ctx (but for its server and the
// effects slice it reuses): releaseCtx resets field by field, so a field
// added to Ctx and forgotten there fails this test instead of keeping the
// last command's arguments alive.
func TestReleasedCtxHoldsNothing(t *testing.T) {
	s, err := New(conf.Default(), Options{})
	require.NoError(t, err)
	ctx := s.acquireCtx()
	v := reflect.ValueOf(ctx).Elem()
	for i := range v.NumField() {
		f := v.Field(i)
		f = reflect.NewAt(f.Type(), f.Addr().UnsafePointer()).Elem() // unexported too
		switch f.Kind() {
		case reflect.Pointer:
			f.Set(reflect.New(f.Type().Elem()))
		case reflect.Slice:
			f.Set(reflect.MakeSlice(f.Type(), 1, 4))
		case reflect.Int, reflect.Int64:
			f.SetInt(7)
		case reflect.Bool:
			f.SetBool(true)
		default:
			t.Fatalf("Ctx.%s: teach this test its kind %s", v.Type().Field(i).Name, f.Kind())
		}
	}
	effects := ctx.effects
	s.releaseCtx()
	require.Zero(t, s.ctxDepth)
	require.Len(t, ctx.effects, 0)
	require.Equal(t, 4, cap(ctx.effects), "the effects slice is kept for reuse")
	require.Nil(t, effects[:1][0], "released effects are cleared")
	want := Ctx{s: ctx.s, effects: ctx.effects}
	require.Equal(t, want, *ctx)
}
