using System.Runtime.CompilerServices;
namespace Sprout.Kernels;

/// <summary>
/// Packs operands into the micro-panel layouts the micro-kernel streams through: A as panels of MR rows (for each
/// k, MR consecutive values), B as panels of NR columns (for each k, NR consecutive values). Transposition happens
/// here, by reading the source in the other order; ragged edges are padded with zeros.
/// </summary>
internal static unsafe class GemmPacking
{
    /// <summary>Packs op(A)[i0 .. i0+mc, p0 .. p0+kc] into <paramref name="dst"/> (⌈mc/MR⌉ panels of kc·MR).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void PackA(bool trans, float* a, int lda, int i0, int mc, int p0, int kc, int mr, float* dst)
    {
        var rowStart = stackalloc float*[mr];
        for (int r0 = 0; r0 < mc; r0 += mr)
        {
            int rows = Math.Min(mr, mc - r0);
            if (trans)
            {
                // op(A)(i, p) = a[p·lda + i]: for each p, the MR rows are contiguous in memory.
                for (int p = 0; p < kc; p++)
                {
                    float* src = a + (long)(p0 + p) * lda + i0 + r0;
                    int i = 0;
                    for (; i < rows; i++) dst[i] = src[i];
                    for (; i < mr; i++) dst[i] = 0f;
                    dst += mr;
                }
            }
            else
            {
                // op(A)(i, p) = a[i·lda + p]: for each p, gather one value from each of the MR rows, so that the
                // writes are contiguous and the reads are MR sequential streams.
                for (int i = 0; i < mr; i++) rowStart[i] = a + (long)(i0 + r0 + Math.Min(i, rows - 1)) * lda + p0;
                for (int p = 0; p < kc; p++)
                {
                    for (int i = 0; i < mr; i++) dst[i] = i < rows ? rowStart[i][p] : 0f;
                    dst += mr;
                }
            }
        }
    }

    /// <summary>Packs op(B)[p0 .. p0+kc, j0 .. j0+nc] into <paramref name="dst"/> (⌈nc/NR⌉ panels of kc·NR).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void PackB(bool trans, float* b, int ldb, int p0, int kc, int j0, int nc, int nr, float* dst)
    {
        var rowStart = stackalloc float*[nr];
        for (int c0 = 0; c0 < nc; c0 += nr)
        {
            int cols = Math.Min(nr, nc - c0);
            if (!trans)
            {
                // op(B)(p, j) = b[p·ldb + j]: NR contiguous values per p.
                for (int p = 0; p < kc; p++)
                {
                    float* src = b + (long)(p0 + p) * ldb + j0 + c0;
                    if (cols == nr) new ReadOnlySpan<float>(src, nr).CopyTo(new Span<float>(dst, nr));
                    else
                    {
                        int j = 0;
                        for (; j < cols; j++) dst[j] = src[j];
                        for (; j < nr; j++) dst[j] = 0f;
                    }
                    dst += nr;
                }
            }
            else
            {
                // op(B)(p, j) = b[j·ldb + p]: for each p, gather one value from each of the NR source rows
                // (contiguous writes, NR sequential read streams).
                for (int j = 0; j < nr; j++) rowStart[j] = b + (long)(j0 + c0 + Math.Min(j, cols - 1)) * ldb + p0;
                for (int p = 0; p < kc; p++)
                {
                    for (int j = 0; j < nr; j++) dst[j] = j < cols ? rowStart[j][p] : 0f;
                    dst += nr;
                }
            }
        }
    }
}
