using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Sprout.Kernels;

/// <summary>
/// e^x on AVX-512 lanes in single precision: range reduction to 2ⁿ·e^r, |r| ≤ ln2/2, and a degree-6 polynomial
/// (relative error a few ulp). Used by <see cref="Sigmoid"/>, <see cref="Tanh"/> and <see cref="Gelu"/>.
/// </summary>
internal static class Exponential
{
    private const float Log2E = 1.44269504f;
    private const float Ln2High = 0.693359375f, Ln2Low = -2.12194440e-4f;   // ln 2 split so that n·Ln2High is exact
    private const float RoundingShift = 12582912f;   // 1.5·2²³

    /// <summary>e^x for x clamped to [−87.3, 88.3], where 2ⁿ stays a normal float; NaN propagates.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Of(Vector512<float> x)
    {
        // MinNative/MaxNative with the constant first return x itself when x is NaN (x86 min/max return the second operand).
        x = Vector512.MaxNative(Vector512.Create(-87.3f), Vector512.MinNative(Vector512.Create(88.3f), x));
        // Adding 1.5·2²³ rounds x·log₂e to the integer n, which then sits in the low bits of the sum.
        var shifted = Vector512.FusedMultiplyAdd(x, Vector512.Create(Log2E), Vector512.Create(RoundingShift));
        var n = shifted - Vector512.Create(RoundingShift);
        var r = Vector512.FusedMultiplyAdd(n, Vector512.Create(-Ln2High), x);
        r = Vector512.FusedMultiplyAdd(n, Vector512.Create(-Ln2Low), r);
        var p = Vector512.Create(1f / 720);
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(1f / 120));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(1f / 24));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(1f / 6));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(0.5f));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512<float>.One);
        p = Vector512.FusedMultiplyAdd(p, r, Vector512<float>.One);
        // 2ⁿ: the exponent field n + 127 (the shift drops the sum's high bits, keeping n's low bits).
        var scale = (Vector512.ShiftLeft(shifted.AsInt32(), 23) + Vector512.Create(127 << 23)).AsSingle();
        return p * scale;
    }

}
