using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Sprout.Kernels;

/// <summary>8×32 micro-kernel on Vector512 (AVX-512): 16 accumulators, two B loads and eight broadcasts per step.</summary>
internal sealed unsafe class MicroKernel512 : IMicroKernel
{
    public int MR => 8;
    public int NR => 32;
    public bool HasRowDots => true;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Run(int kc, float* a, float* b, int ldb, float* c, int ldc, float alpha, float beta, bool first, int rows)
    {
        // C is read only after KC steps; fetch its 8×32 tile now so that its cache misses overlap the arithmetic.
        if (Sse.IsSupported)
            for (int i = 0; i < rows; i++) { Sse.Prefetch0(c + i * ldc); Sse.Prefetch0(c + i * ldc + 16); }
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default, c30 = default, c31 = default;
        Vector512<float> c40 = default, c41 = default, c50 = default, c51 = default, c60 = default, c61 = default, c70 = default, c71 = default;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector512.Load(b);
            var b1 = Vector512.Load(b + 16);
            Vector512<float> ai;
            ai = Vector512.Create(a[0]); c00 = Vector512.FusedMultiplyAdd(ai, b0, c00); c01 = Vector512.FusedMultiplyAdd(ai, b1, c01);
            ai = Vector512.Create(a[1]); c10 = Vector512.FusedMultiplyAdd(ai, b0, c10); c11 = Vector512.FusedMultiplyAdd(ai, b1, c11);
            ai = Vector512.Create(a[2]); c20 = Vector512.FusedMultiplyAdd(ai, b0, c20); c21 = Vector512.FusedMultiplyAdd(ai, b1, c21);
            ai = Vector512.Create(a[3]); c30 = Vector512.FusedMultiplyAdd(ai, b0, c30); c31 = Vector512.FusedMultiplyAdd(ai, b1, c31);
            ai = Vector512.Create(a[4]); c40 = Vector512.FusedMultiplyAdd(ai, b0, c40); c41 = Vector512.FusedMultiplyAdd(ai, b1, c41);
            ai = Vector512.Create(a[5]); c50 = Vector512.FusedMultiplyAdd(ai, b0, c50); c51 = Vector512.FusedMultiplyAdd(ai, b1, c51);
            ai = Vector512.Create(a[6]); c60 = Vector512.FusedMultiplyAdd(ai, b0, c60); c61 = Vector512.FusedMultiplyAdd(ai, b1, c61);
            ai = Vector512.Create(a[7]); c70 = Vector512.FusedMultiplyAdd(ai, b0, c70); c71 = Vector512.FusedMultiplyAdd(ai, b1, c71);
            a += 8;
            b += ldb;
        }
        var va = Vector512.Create(alpha);
        var vb = Vector512.Create(beta);
        Store(c, c00, c01, va, vb, first);
        if (rows > 1) Store(c + 1 * ldc, c10, c11, va, vb, first);
        if (rows > 2) Store(c + 2 * ldc, c20, c21, va, vb, first);
        if (rows > 3) Store(c + 3 * ldc, c30, c31, va, vb, first);
        if (rows > 4) Store(c + 4 * ldc, c40, c41, va, vb, first);
        if (rows > 5) Store(c + 5 * ldc, c50, c51, va, vb, first);
        if (rows > 6) Store(c + 6 * ldc, c60, c61, va, vb, first);
        if (rows > 7) Store(c + 7 * ldc, c70, c71, va, vb, first);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void RunStrided(int kc, float* a, int aRow, int aStep, float* b, int ldb, float* c, int ldc, int rows)
    {
        // Rows past the last valid one read row 0 again (never out of bounds) and are not stored.
        float* a0 = a, a1 = a + (rows > 1 ? aRow : 0), a2 = a + (rows > 2 ? 2L * aRow : 0), a3 = a + (rows > 3 ? 3L * aRow : 0);
        float* a4 = a + (rows > 4 ? 4L * aRow : 0), a5 = a + (rows > 5 ? 5L * aRow : 0), a6 = a + (rows > 6 ? 6L * aRow : 0), a7 = a + (rows > 7 ? 7L * aRow : 0);
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default, c30 = default, c31 = default;
        Vector512<float> c40 = default, c41 = default, c50 = default, c51 = default, c60 = default, c61 = default, c70 = default, c71 = default;
        long o = 0;
        for (int p = 0; p < kc; p++, o += aStep, b += ldb)
        {
            var b0 = Vector512.Load(b);
            var b1 = Vector512.Load(b + 16);
            Vector512<float> ai;
            ai = Vector512.Create(a0[o]); c00 = Vector512.FusedMultiplyAdd(ai, b0, c00); c01 = Vector512.FusedMultiplyAdd(ai, b1, c01);
            ai = Vector512.Create(a1[o]); c10 = Vector512.FusedMultiplyAdd(ai, b0, c10); c11 = Vector512.FusedMultiplyAdd(ai, b1, c11);
            ai = Vector512.Create(a2[o]); c20 = Vector512.FusedMultiplyAdd(ai, b0, c20); c21 = Vector512.FusedMultiplyAdd(ai, b1, c21);
            ai = Vector512.Create(a3[o]); c30 = Vector512.FusedMultiplyAdd(ai, b0, c30); c31 = Vector512.FusedMultiplyAdd(ai, b1, c31);
            ai = Vector512.Create(a4[o]); c40 = Vector512.FusedMultiplyAdd(ai, b0, c40); c41 = Vector512.FusedMultiplyAdd(ai, b1, c41);
            ai = Vector512.Create(a5[o]); c50 = Vector512.FusedMultiplyAdd(ai, b0, c50); c51 = Vector512.FusedMultiplyAdd(ai, b1, c51);
            ai = Vector512.Create(a6[o]); c60 = Vector512.FusedMultiplyAdd(ai, b0, c60); c61 = Vector512.FusedMultiplyAdd(ai, b1, c61);
            ai = Vector512.Create(a7[o]); c70 = Vector512.FusedMultiplyAdd(ai, b0, c70); c71 = Vector512.FusedMultiplyAdd(ai, b1, c71);
        }
        c00.Store(c); c01.Store(c + 16);
        if (rows > 1) { c10.Store(c + ldc); c11.Store(c + ldc + 16); }
        if (rows > 2) { c20.Store(c + 2 * ldc); c21.Store(c + 2 * ldc + 16); }
        if (rows > 3) { c30.Store(c + 3 * ldc); c31.Store(c + 3 * ldc + 16); }
        if (rows > 4) { c40.Store(c + 4 * ldc); c41.Store(c + 4 * ldc + 16); }
        if (rows > 5) { c50.Store(c + 5 * ldc); c51.Store(c + 5 * ldc + 16); }
        if (rows > 6) { c60.Store(c + 6 * ldc); c61.Store(c + 6 * ldc + 16); }
        if (rows > 7) { c70.Store(c + 7 * ldc); c71.Store(c + 7 * ldc + 16); }
    }

    private static void Store(float* c, Vector512<float> x0, Vector512<float> x1, Vector512<float> alpha, Vector512<float> beta, bool first)
    {
        Vector512<float> old0, old1;
        if (first && beta == Vector512<float>.Zero) { old0 = default; old1 = default; }
        else
        {
            old0 = Vector512.Load(c);
            old1 = Vector512.Load(c + 16);
            if (first) { old0 *= beta; old1 *= beta; }
        }
        Vector512.Store(Vector512.FusedMultiplyAdd(x0, alpha, old0), c);
        Vector512.Store(Vector512.FusedMultiplyAdd(x1, alpha, old1), c + 16);
    }
}
