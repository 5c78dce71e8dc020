using System.Numerics;
using System.Runtime.InteropServices;

namespace Sprout.Kernels;

/// <summary>Masked copies for the backward rules of ReLU and Clamp, vectorized with <see cref="Vector{T}"/>.</summary>
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
}
