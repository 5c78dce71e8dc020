using System.Numerics;
using System.Runtime.InteropServices;

namespace Sprout.Kernels;

/// <summary>
/// One-pass backward rules of the activations (ReLU and Clamp's masked copy, sigmoid's and tanh's derivative from the
/// output), vectorized with <see cref="Vector{T}"/>.
/// </summary>
internal static class Masks
{
    /// <summary>destination[i] = min &lt; x[i] &lt; max ? g[i] : 0.</summary>
    public static void Between(ReadOnlySpan<float> g, ReadOnlySpan<float> x, float min, float max, Span<float> destination)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated && destination.Length >= Vector<float>.Count)
        {
            var vg = MemoryMarshal.Cast<float, Vector<float>>(g);
            var vx = MemoryMarshal.Cast<float, Vector<float>>(x);
            var vd = MemoryMarshal.Cast<float, Vector<float>>(destination);
            var lo = new Vector<float>(min);
            var hi = new Vector<float>(max);
            for (int v = 0; v < vd.Length; v++)
                vd[v] = Vector.ConditionalSelect(Vector.GreaterThan(vx[v], lo) & Vector.LessThan(vx[v], hi), vg[v], Vector<float>.Zero);
            i = vd.Length * Vector<float>.Count;
        }
        for (; i < destination.Length; i++) destination[i] = x[i] > min && x[i] < max ? g[i] : 0f;
    }

    /// <summary>destination[i] = g[i]·y[i]·(1 − y[i]): the sigmoid's gradient from its output y.</summary>
    public static void SigmoidGradient(ReadOnlySpan<float> g, ReadOnlySpan<float> y, Span<float> destination)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated && destination.Length >= Vector<float>.Count)
        {
            var vg = MemoryMarshal.Cast<float, Vector<float>>(g);
            var vy = MemoryMarshal.Cast<float, Vector<float>>(y);
            var vd = MemoryMarshal.Cast<float, Vector<float>>(destination);
            for (int v = 0; v < vd.Length; v++) vd[v] = vg[v] * (vy[v] - vy[v] * vy[v]);
            i = vd.Length * Vector<float>.Count;
        }
        for (; i < destination.Length; i++) destination[i] = g[i] * (y[i] - y[i] * y[i]);
    }

    /// <summary>destination[i] = g[i]·(1 − y[i]²): tanh's gradient from its output y.</summary>
    public static void TanhGradient(ReadOnlySpan<float> g, ReadOnlySpan<float> y, Span<float> destination)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated && destination.Length >= Vector<float>.Count)
        {
            var vg = MemoryMarshal.Cast<float, Vector<float>>(g);
            var vy = MemoryMarshal.Cast<float, Vector<float>>(y);
            var vd = MemoryMarshal.Cast<float, Vector<float>>(destination);
            for (int v = 0; v < vd.Length; v++) vd[v] = vg[v] - vg[v] * vy[v] * vy[v];
            i = vd.Length * Vector<float>.Count;
        }
        for (; i < destination.Length; i++) destination[i] = g[i] - g[i] * y[i] * y[i];
    }
}
