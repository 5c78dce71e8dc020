namespace Sprout;

/// <summary>How <c>Backward</c> treats a leaf's gradient buffer, as in Gluon.</summary>
public enum GradReq
{
    /// <summary>Each backward pass overwrites the gradient.</summary>
    Write,
    /// <summary>Each backward pass adds to the gradient (clear it with <c>ZeroGrad</c>).</summary>
    Add,
    /// <summary>No gradient is computed.</summary>
    Null,
}
