using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Sprout.Kernels;

/// <summary>
/// The logistic function 1/(1 + e^−x) over spans, in single precision throughout: e^−x by range reduction to
/// 2ⁿ·e^r, |r| ≤ ln2/2, a degree-6 polynomial and a refined reciprocal estimate (relative error below 4·10⁻⁷, a few
/// ulp), on AVX-512; elsewhere it is TensorPrimitives.Sigmoid, which computes its exponential more exactly and was
/// about 2× slower here (the sigmoid LeNet applies it to 1.6 million values a step). NaN stays NaN; below about −88
/// the result is a tiny positive number (about 4·10⁻³⁹) instead of a subnormal or zero.
/// </summary>
internal static class Sigmoid
{
    /// <summary>y[i] = 1 / (1 + e^−x[i]); <paramref name="y"/> may be <paramref name="x"/>.</summary>
    public static void Apply(ReadOnlySpan<float> x, Span<float> y)
    {
        if (y.Length < x.Length) throw new ArgumentException($"Sigmoid: destination of length {y.Length} is shorter than the source ({x.Length}).", nameof(y));
        ref float xs = ref MemoryMarshal.GetReference(x);
        ref float ys = ref MemoryMarshal.GetReference(y);
        if (!Vector512.IsHardwareAccelerated)
        {
            TensorPrimitives.Sigmoid(x, y);
            return;
        }
        int i = 0;
        for (; i + Vector512<float>.Count <= x.Length; i += Vector512<float>.Count)
            Of(Vector512.LoadUnsafe(ref xs, (nuint)i)).StoreUnsafe(ref ys, (nuint)i);
        for (; i < x.Length; i++) y[i] = 1f / (1f + MathF.Exp(-x[i]));
    }

    /// <summary>σ(x) lane by lane (AVX-512).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector512<float> Of(Vector512<float> x) => Reciprocal(Vector512<float>.One + Exponential.Of(-x));

    /// <summary>1/d: a 14-bit estimate refined by one Newton step (about 2⁻²⁸), cheaper than a division.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Reciprocal(Vector512<float> d)
    {
        if (!Avx512F.IsSupported) return Vector512<float>.One / d;
        var e = Avx512F.Reciprocal14(d);
        return e * Vector512.FusedMultiplyAdd(-d, e, Vector512.Create(2f));
    }

}
