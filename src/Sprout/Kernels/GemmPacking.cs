using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Sprout.Kernels;

/// <summary>
/// Packs operands into the micro-panel layouts the micro-kernel streams through: A as panels of MR rows (for each
/// k, MR consecutive values), B as panels of NR columns (for each k, NR consecutive values). Transposition happens
/// here, by reading the source in the other order (8×8 blocks in registers where the panel is full and the CPU has
/// AVX); ragged edges are padded with zeros.
/// </summary>
internal static unsafe class GemmPacking
{
    /// <summary>Packs op(A)[i0 .. i0+mc, p0 .. p0+kc] into <paramref name="dst"/> (⌈mc/MR⌉ panels of kc·MR).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void PackA(bool trans, float* a, int lda, int i0, int mc, int p0, int kc, int mr, float* dst)
    {
        if (trans && mr == Vector256<float>.Count && Vector256.IsHardwareAccelerated)
        {
            Spread(a + (long)p0 * lda + i0, lda, kc, mc, dst);
            return;
        }
        for (int r0 = 0; r0 < mc; r0 += mr, dst += (long)mr * kc)
        {
            int rows = Math.Min(mr, mc - r0);
            // op(A)(i, p) = a[p·lda + i]: for each p, the MR rows are contiguous in memory.
            if (trans) CopyRows(a + (long)p0 * lda + i0 + r0, lda, kc, rows, dst, mr);
            // op(A)(i, p) = a[i·lda + p]: for each p, one value from each of the MR rows.
            else Interleave(a + (long)(i0 + r0) * lda + p0, lda, rows, kc, dst, mr);
        }
    }

    /// <summary>Packs op(B)[p0 .. p0+kc, j0 .. j0+nc] into <paramref name="dst"/> (⌈nc/NR⌉ panels of kc·NR).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void PackB(bool trans, float* b, int ldb, int p0, int kc, int j0, int nc, int nr, float* dst)
    {
        for (int c0 = 0; c0 < nc; c0 += nr, dst += (long)nr * kc)
        {
            int cols = Math.Min(nr, nc - c0);
            // op(B)(p, j) = b[j·ldb + p]: for each p, one value from each of the NR source rows.
            if (trans) Interleave(b + (long)(j0 + c0) * ldb + p0, ldb, cols, kc, dst, nr);
            // op(B)(p, j) = b[p·ldb + j]: NR contiguous values per p.
            else CopyRows(b + (long)p0 * ldb + j0 + c0, ldb, kc, cols, dst, nr);
        }
    }

    /// <summary>
    /// A transposed A block into panels of 8 rows: for each p, the block's <paramref name="count"/> contiguous values
    /// src[p·stride ..] go 8 at a time to the panels, zero-padding the last. Eight source rows are read side by side, so
    /// that each panel receives 8 steps (256 contiguous bytes, whole cache lines) at a time, and every source line is
    /// read whole and once. (One source row at a time wrote 32 bytes to each of the panels, a page or more apart.)
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Spread(float* src, long stride, int depth, int count, float* dst)
    {
        const int W = 8;
        int full = count / W * W, rest = count - full, p = 0;
        long panel = (long)W * depth;
        for (; p + W <= depth; p += W)
        {
            float* s = src + p * stride, to = dst + (long)p * W;
            for (int i = 0; i < full; i += W, to += panel)
                for (int q = 0; q < W; q++) Vector256.Store(Vector256.Load(s + q * stride + i), to + q * W);
            if (rest > 0)
                for (int q = 0; q < W; q++) SpreadRest(s + q * stride + full, rest, to + q * W);
        }
        for (; p < depth; p++)
        {
            float* s = src + p * stride, to = dst + (long)p * W;
            for (int i = 0; i < full; i += W, to += panel) Vector256.Store(Vector256.Load(s + i), to);
            if (rest > 0) SpreadRest(s + full, rest, to);
        }
    }

    /// <summary>The last, ragged panel's step: <paramref name="rest"/> values, then zeros up to 8.</summary>
    private static void SpreadRest(float* src, int rest, float* to)
    {
        for (int r = 0; r < 8; r++) to[r] = r < rest ? src[r] : 0f;
    }

    /// <summary>dst[p·width + i] = src[p·stride + i] for i &lt; count, zero for count ≤ i &lt; width, p &lt; depth.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void CopyRows(float* src, long stride, int depth, int count, float* dst, int width)
    {
        int vectors = count / Vector256<float>.Count * Vector256<float>.Count;
        for (int p = 0; p < depth; p++, src += stride, dst += width)
        {
            int i = 0;
            for (; i < vectors; i += Vector256<float>.Count) Vector256.Store(Vector256.Load(src + i), dst + i);
            for (; i < count; i++) dst[i] = src[i];
            for (; i < width; i++) dst[i] = 0f;
        }
    }

    /// <summary>
    /// dst[p·width + r] = src[r·stride + p] for r &lt; count (rows of the source, read as sequential streams), zero for
    /// count ≤ r &lt; width, p &lt; depth. Whole groups of 8 rows are transposed in 8×8 blocks, also in a ragged last
    /// panel (a 7×7 stem's weight gradient has 49 taps: a panel of 17, which one value at a time made 3× slower).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Interleave(float* src, long stride, int count, int depth, float* dst, int width)
    {
        const int S = Transpose8x8.Size;
        int p = 0, blockRows = Transpose8x8.IsSupported && width % S == 0 ? count / S * S : 0;
        if (blockRows > 0)
            for (; p + S <= depth; p += S)
            {
                for (int r = 0; r < blockRows; r += S)
                    Transpose8x8.Block(src + r * stride + p, stride, dst + (long)p * width + r, width);
                if (blockRows < width)
                    for (int q = p; q < p + S; q++) InterleaveStep(src, stride, blockRows, count, q, dst + (long)q * width, width);
            }
        for (; p < depth; p++) InterleaveStep(src, stride, 0, count, p, dst + (long)p * width, width);
    }

    /// <summary>Step <paramref name="p"/> of <see cref="Interleave"/> for rows <paramref name="first"/> .. <paramref name="width"/>: values below count, zeros above.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void InterleaveStep(float* src, long stride, int first, int count, int p, float* row, int width)
    {
        int r = first;
        for (; r < count; r++) row[r] = src[r * stride + p];
        for (; r < width; r++) row[r] = 0f;
    }
}
