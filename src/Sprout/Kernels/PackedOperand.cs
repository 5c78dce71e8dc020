using System.Buffers;
using System.Runtime.CompilerServices;

namespace Sprout.Kernels;

/// <summary>
/// A right-hand GEMM operand packed once and multiplied many times: a recurrent layer's weights, used at every time
/// step of a sequence. op(B) (k × n) is held as KC-deep slices of NR-wide micro-panels (<see cref="GemmPacking.PackB"/>'s
/// layout), so each product packs only its short left operand. One thread per product; callers split the columns. The
/// panels live in an array from the shared pool (a sequence packs anew each call: fresh memory would be page-faulted in
/// each time); <see cref="Dispose"/> gives it back.
/// </summary>
internal sealed unsafe class PackedOperand : IDisposable
{
    private readonly IMicroKernel _kernel;
    private readonly int _kc, _panelsWidth;
    private float[]? _data;

    /// <summary>Packs op(B) = <paramref name="trans"/> ? Bᵀ : B, with B row-major, <paramref name="ldb"/> apart, from <paramref name="offset"/>.</summary>
    public PackedOperand(IMicroKernel kernel, bool trans, float[] b, int offset, int ldb, int k, int n)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(k);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(n);
        (_kernel, K, N) = (kernel, k, n);
        _kc = Math.Min(k, GemmBlocking.KC);
        _panelsWidth = (n + kernel.NR - 1) / kernel.NR * kernel.NR;
        _data = ArrayPool<float>.Shared.Rent(_panelsWidth * k);
        fixed (float* pb = b, packed = _data)
            for (int p0 = 0; p0 < k; p0 += _kc)
                GemmPacking.PackB(trans, pb + offset, ldb, p0, Math.Min(_kc, k - p0), 0, n, kernel.NR, packed + (long)p0 * _panelsWidth);
    }

    /// <summary>Depth of op(B).</summary>
    public int K { get; }
    /// <summary>Columns of op(B).</summary>
    public int N { get; }

    /// <summary>
    /// C = A·op(B) + beta·C for rows of A (m × K, row-major, <paramref name="lda"/> apart), into C (m × N,
    /// <paramref name="ldc"/> apart). <paramref name="scratch"/> holds the packed rows of A and an edge tile
    /// (<see cref="ScratchLength"/> floats, 64-byte aligned).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Multiply(int m, float* a, int lda, float* c, int ldc, float beta, float* scratch)
    {
        ObjectDisposedException.ThrowIf(_data is null, this);
        int mr = _kernel.MR, nr = _kernel.NR, n = N;
        fixed (float* packed = _data)
            MultiplyPacked(m, a, lda, c, ldc, beta, scratch, packed, mr, nr, n);
    }

    private void MultiplyPacked(int m, float* a, int lda, float* c, int ldc, float beta, float* scratch, float* packed, int mr, int nr, int n)
    {
        int rowsRounded = (Math.Min(m, GemmBlocking.MC) + mr - 1) / mr * mr;
        float* packedA = scratch, tile = scratch + (long)rowsRounded * _kc;
        for (int p0 = 0; p0 < K; p0 += _kc)
        {
            int kc = Math.Min(_kc, K - p0);
            bool first = p0 == 0;
            float* slice = packed + (long)p0 * _panelsWidth;
            for (int ic = 0; ic < m; ic += GemmBlocking.MC)
            {
                int mc = Math.Min(GemmBlocking.MC, m - ic);
                GemmPacking.PackA(false, a, lda, ic, mc, p0, kc, mr, packedA);
                for (int jr = 0; jr < n; jr += nr)
                {
                    int cols = Math.Min(nr, n - jr);
                    float* bPanel = slice + (long)jr * kc;
                    for (int ir = 0; ir < mc; ir += mr)
                    {
                        int rows = Math.Min(mr, mc - ir);
                        float* cTile = c + (long)(ic + ir) * ldc + jr;
                        if (cols == nr) _kernel.Run(kc, packedA + (long)ir * kc, bPanel, nr, cTile, ldc, 1f, beta, first, rows);
                        else Gemm.EdgeTile(_kernel, kc, packedA + (long)ir * kc, bPanel, nr, cTile, ldc, rows, cols, 1f, beta, first, tile);
                    }
                }
            }
        }
    }

    /// <summary>Floats of scratch a <see cref="Multiply"/> needs.</summary>
    public int ScratchLength => (GemmBlocking.MC + _kernel.MR) * _kc + _kernel.MR * _kernel.NR;

    /// <inheritdoc/>
    public void Dispose()
    {
        if (_data is not null) ArrayPool<float>.Shared.Return(_data);
        _data = null;
    }
}
