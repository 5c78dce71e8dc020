using System.Numerics;
using System.Runtime.InteropServices;

namespace Sprout.Kernels;

/// <summary>
/// One-pass backward rules of the activations (ReLU and Clamp's masked copy, sigmoid's and tanh's derivative from the
/// output), vectorized with <see cref="Vector{T}"/>: each rule maps (g, x) to the input gradient, and one loop runs it.
/// </summary>
internal static class Masks
{
    /// <summary>destination[i] = min &lt; x[i] &lt; max ? g[i] : 0.</summary>
    public static void Between(ReadOnlySpan<float> g, ReadOnlySpan<float> x, float min, float max, Span<float> destination) =>
        Apply(new BetweenRule(min, max), g, x, destination);

    /// <summary>destination[i] = g[i]·y[i]·(1 − y[i]): the sigmoid's gradient from its output y.</summary>
    public static void SigmoidGradient(ReadOnlySpan<float> g, ReadOnlySpan<float> y, Span<float> destination) =>
        Apply(default(SigmoidRule), g, y, destination);

    /// <summary>destination[i] = g[i]·(1 − y[i]²): tanh's gradient from its output y.</summary>
    public static void TanhGradient(ReadOnlySpan<float> g, ReadOnlySpan<float> y, Span<float> destination) =>
        Apply(default(TanhRule), g, y, destination);

    private interface IRule
    {
        Vector<float> Apply(Vector<float> g, Vector<float> x);
        float Apply(float g, float x);
    }

    private static void Apply<TRule>(TRule rule, ReadOnlySpan<float> g, ReadOnlySpan<float> x, Span<float> destination) where TRule : struct, IRule
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated && destination.Length >= Vector<float>.Count)
        {
            var vg = MemoryMarshal.Cast<float, Vector<float>>(g);
            var vx = MemoryMarshal.Cast<float, Vector<float>>(x);
            var vd = MemoryMarshal.Cast<float, Vector<float>>(destination);
            for (int v = 0; v < vd.Length; v++) vd[v] = rule.Apply(vg[v], vx[v]);
            i = vd.Length * Vector<float>.Count;
        }
        for (; i < destination.Length; i++) destination[i] = rule.Apply(g[i], x[i]);
    }

    private readonly struct BetweenRule(float min, float max) : IRule
    {
        private readonly Vector<float> _lo = new(min), _hi = new(max);

        public Vector<float> Apply(Vector<float> g, Vector<float> x) =>
            Vector.ConditionalSelect(Vector.GreaterThan(x, _lo) & Vector.LessThan(x, _hi), g, Vector<float>.Zero);

        public float Apply(float g, float x) => x > min && x < max ? g : 0f;
    }

    private readonly struct SigmoidRule : IRule
    {
        public Vector<float> Apply(Vector<float> g, Vector<float> y) => g * (y - y * y);
        public float Apply(float g, float y) => g * (y - y * y);
    }

    private readonly struct TanhRule : IRule
    {
        public Vector<float> Apply(Vector<float> g, Vector<float> y) => g - g * y * y;
        public float Apply(float g, float y) => g - g * y * y;
    }
}
