using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Sprout.Kernels;

/// <summary>6×16 micro-kernel on Vector256 (AVX2 + FMA; emulated where 256-bit vectors are not native): 12 accumulators.</summary>
internal sealed unsafe class MicroKernel256 : IMicroKernel
{
    public int MR => 6;
    public int NR => 16;
    public bool HasRowDots => false;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Run(int kc, float* a, float* b, int ldb, float* c, int ldc, float alpha, float beta, bool first, int rows)
    {
        Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector256<float> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector256.Load(b);
            var b1 = Vector256.Load(b + 8);
            Vector256<float> ai;
            ai = Vector256.Create(a[0]); c00 = Vector256.FusedMultiplyAdd(ai, b0, c00); c01 = Vector256.FusedMultiplyAdd(ai, b1, c01);
            ai = Vector256.Create(a[1]); c10 = Vector256.FusedMultiplyAdd(ai, b0, c10); c11 = Vector256.FusedMultiplyAdd(ai, b1, c11);
            ai = Vector256.Create(a[2]); c20 = Vector256.FusedMultiplyAdd(ai, b0, c20); c21 = Vector256.FusedMultiplyAdd(ai, b1, c21);
            ai = Vector256.Create(a[3]); c30 = Vector256.FusedMultiplyAdd(ai, b0, c30); c31 = Vector256.FusedMultiplyAdd(ai, b1, c31);
            ai = Vector256.Create(a[4]); c40 = Vector256.FusedMultiplyAdd(ai, b0, c40); c41 = Vector256.FusedMultiplyAdd(ai, b1, c41);
            ai = Vector256.Create(a[5]); c50 = Vector256.FusedMultiplyAdd(ai, b0, c50); c51 = Vector256.FusedMultiplyAdd(ai, b1, c51);
            a += 6;
            b += ldb;
        }
        var va = Vector256.Create(alpha);
        var vb = Vector256.Create(beta);
        Store(c, c00, c01, va, vb, first);
        if (rows > 1) Store(c + 1 * ldc, c10, c11, va, vb, first);
        if (rows > 2) Store(c + 2 * ldc, c20, c21, va, vb, first);
        if (rows > 3) Store(c + 3 * ldc, c30, c31, va, vb, first);
        if (rows > 4) Store(c + 4 * ldc, c40, c41, va, vb, first);
        if (rows > 5) Store(c + 5 * ldc, c50, c51, va, vb, first);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void RunStrided(int kc, float* a, int aRow, int aStep, float* b, int ldb, float* c, int ldc, int rows)
    {
        // Rows past the last valid one read row 0 again (never out of bounds) and are not stored.
        float* a0 = a, a1 = a + (rows > 1 ? aRow : 0), a2 = a + (rows > 2 ? 2L * aRow : 0);
        float* a3 = a + (rows > 3 ? 3L * aRow : 0), a4 = a + (rows > 4 ? 4L * aRow : 0), a5 = a + (rows > 5 ? 5L * aRow : 0);
        Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector256<float> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        long o = 0;
        for (int p = 0; p < kc; p++, o += aStep, b += ldb)
        {
            var b0 = Vector256.Load(b);
            var b1 = Vector256.Load(b + 8);
            Vector256<float> ai;
            ai = Vector256.Create(a0[o]); c00 = Vector256.FusedMultiplyAdd(ai, b0, c00); c01 = Vector256.FusedMultiplyAdd(ai, b1, c01);
            ai = Vector256.Create(a1[o]); c10 = Vector256.FusedMultiplyAdd(ai, b0, c10); c11 = Vector256.FusedMultiplyAdd(ai, b1, c11);
            ai = Vector256.Create(a2[o]); c20 = Vector256.FusedMultiplyAdd(ai, b0, c20); c21 = Vector256.FusedMultiplyAdd(ai, b1, c21);
            ai = Vector256.Create(a3[o]); c30 = Vector256.FusedMultiplyAdd(ai, b0, c30); c31 = Vector256.FusedMultiplyAdd(ai, b1, c31);
            ai = Vector256.Create(a4[o]); c40 = Vector256.FusedMultiplyAdd(ai, b0, c40); c41 = Vector256.FusedMultiplyAdd(ai, b1, c41);
            ai = Vector256.Create(a5[o]); c50 = Vector256.FusedMultiplyAdd(ai, b0, c50); c51 = Vector256.FusedMultiplyAdd(ai, b1, c51);
        }
        c00.Store(c); c01.Store(c + 8);
        if (rows > 1) { c10.Store(c + ldc); c11.Store(c + ldc + 8); }
        if (rows > 2) { c20.Store(c + 2 * ldc); c21.Store(c + 2 * ldc + 8); }
        if (rows > 3) { c30.Store(c + 3 * ldc); c31.Store(c + 3 * ldc + 8); }
        if (rows > 4) { c40.Store(c + 4 * ldc); c41.Store(c + 4 * ldc + 8); }
        if (rows > 5) { c50.Store(c + 5 * ldc); c51.Store(c + 5 * ldc + 8); }
    }

    private static void Store(float* c, Vector256<float> x0, Vector256<float> x1, Vector256<float> alpha, Vector256<float> beta, bool first)
    {
        Vector256<float> old0, old1;
        if (first && beta == Vector256<float>.Zero) { old0 = default; old1 = default; }
        else
        {
            old0 = Vector256.Load(c);
            old1 = Vector256.Load(c + 8);
            if (first) { old0 *= beta; old1 *= beta; }
        }
        Vector256.Store(Vector256.FusedMultiplyAdd(x0, alpha, old0), c);
        Vector256.Store(Vector256.FusedMultiplyAdd(x1, alpha, old1), c + 8);
    }
}
