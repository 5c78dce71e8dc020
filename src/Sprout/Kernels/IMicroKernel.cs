namespace Sprout.Kernels;

/// <summary>
/// The innermost GEMM step: an MR×NR tile of C from packed micro-panels of A (KC steps of MR values) and B (KC steps
/// of NR values). C_tile = (first ? beta·C_tile : C_tile) + alpha·Σ_p a[p]⊗b[p]. Edge tiles go through a scratch tile.
/// </summary>
internal unsafe interface IMicroKernel
{
    int MR { get; }
    int NR { get; }
    void Run(int kc, float* a, float* b, float* c, int ldc, float alpha, float beta, bool first);
}
