namespace Sprout.Kernels;

/// <summary>The portable reference micro-kernel (4×4, plain loops): the fallback without SIMD and the test oracle for the others.</summary>
internal sealed unsafe class MicroKernelScalar : IMicroKernel
{
    public int MR => 4;
    public int NR => 4;
    public bool HasRowDots => false;

    public void Run(int kc, float* a, float* b, int ldb, float* c, int ldc, float alpha, float beta, bool first, int rows)
    {
        var acc = stackalloc float[16];
        for (int i = 0; i < 16; i++) acc[i] = 0f;
        for (int p = 0; p < kc; p++, a += 4, b += ldb)
            for (int i = 0; i < 4; i++)
                for (int j = 0; j < 4; j++) acc[i * 4 + j] = MathF.FusedMultiplyAdd(a[i], b[j], acc[i * 4 + j]);
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < 4; j++)
            {
                float old = first ? (beta == 0f ? 0f : beta * c[i * ldc + j]) : c[i * ldc + j];
                c[i * ldc + j] = old + alpha * acc[i * 4 + j];
            }
    }

    public void RunStrided(int kc, float* a, int aRow, int aStep, float* b, int ldb, float* c, int ldc, int rows)
    {
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < 4; j++)
            {
                float sum = 0f;
                for (int p = 0; p < kc; p++) sum = MathF.FusedMultiplyAdd(a[(long)i * aRow + (long)p * aStep], b[(long)p * ldb + j], sum);
                c[i * ldc + j] = sum;
            }
    }
}
