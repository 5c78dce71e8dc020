namespace Sprout;

/// <summary>
/// Gives a tensor's pooled array back to the <see cref="StoragePool"/> once the tensor that owns it has been collected.
/// A training step's forward outputs (activations, the products a block makes inside itself) are garbage after its
/// backward, but only the garbage collector knows when the caller has let go of them; without this each step would
/// take fresh large arrays, which on these machines cost a page fault per 4 KiB and drive full collections. The lease
/// is a small finalizable object held by the owning tensor alone (views hold the owner), so its finalizer runs only when
/// every tensor on the storage is unreachable. Arrays rented while a backward pass runs get no lease: that pass returns
/// them itself (<see cref="GradientTable"/>); a tensor released another way revokes its lease first.
/// </summary>
internal sealed class StorageLease
{
    private float[]? _array;

    private StorageLease(float[] array) => _array = array;

    /// <summary>A lease on <paramref name="array"/> if the pool would keep it and no backward pass is renting; else null.</summary>
    public static StorageLease? For(float[] array) =>
        array.Length >= StoragePool.MinLength && !StoragePool.InBackward ? new StorageLease(array) : null;

    /// <summary>The array went back to the pool some other way: the finalizer must not return it again.</summary>
    public void Revoke() => _array = null;

    ~StorageLease()
    {
        if (_array is { } array) StoragePool.Return(array);
    }
}
