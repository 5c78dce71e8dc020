using System.Collections;
using System.Reflection;

namespace Sprout.Nn;

// Blocks and parameters kept in fields, properties or lists, as the book's code keeps them (self.hidden = nn.Dense(256)):
// registered under the field's name on first use, and rebound to the copies when the block is cloned.
public abstract partial class Block
{
    private static readonly Lock s_registration = new();

    private Dictionary<string, object>? _fromFields;   // what the fields held at the last look: registration name → block or parameter

    /// <summary>
    /// Registers, the first time, the blocks and parameters this block keeps in its own fields (and auto-properties) but
    /// did not declare: a field <c>Hidden</c> holding a <c>Dense</c> becomes child <c>hidden</c>; a list <c>Blocks</c> of
    /// blocks becomes children <c>blocks.0</c>, <c>blocks.1</c>, … (PyTorch's names). Fields declared by <see cref="Block"/>
    /// itself and blocks that would make a cycle are skipped. The forward pass looks only this once; the walks over the
    /// structure look again (<see cref="RegisterFieldsAgain"/>).
    /// </summary>
    private void EnsureRegistered()
    {
        if (!_registered) RegisterFieldsAgain();
    }

    /// <summary>
    /// Brings the registration up to date with what the fields hold now, as PyTorch's and Gluon's attribute assignment
    /// does: a field given a new block or parameter after first use (the book's fine-tuning, <c>net.Output = new
    /// Dense(2)</c>) is registered in the old one's place, under the same name; one emptied is unregistered; a list that
    /// grew registers its new items. Blocks and parameters declared with <c>AddChild</c>/<c>AddParameter</c> stay.
    /// Called by the walks that read the structure (parameters, initialization, printing, cloning).
    /// </summary>
    private void RegisterFieldsAgain()
    {
        lock (s_registration)
        {
            var now = FieldContents();
            var held = new HashSet<object>(now.Values, ReferenceEqualityComparer.Instance);
            if (_fromFields is not null)
                foreach (var (name, old) in _fromFields)
                {
                    if (held.Contains(old)) continue;   // another field (or the same one) still holds it
                    if (now.TryGetValue(name, out var value) && !IsRegistered(value) && ReplaceInPlace(old, value)) continue;
                    Unregister(old);
                }
            foreach (var (name, value) in now)
                if (!IsRegistered(value)) RegisterFieldValue(name, value);
            _fromFields = now;
            _registered = true;
        }
    }

    /// <summary>Every block and parameter the own fields hold, by the name each is registered under.</summary>
    private Dictionary<string, object> FieldContents()
    {
        var found = new Dictionary<string, object>(StringComparer.Ordinal);
        foreach (var field in OwnFields(GetType()))
        {
            string name = FieldName(field);
            var value = field.GetValue(this);
            switch (value)
            {
                case Block or Parameter: found[name] = value; break;
                case IEnumerable items when HoldsBlocksOrParameters(field.FieldType):
                    int i = 0;
                    foreach (var item in items)
                    {
                        if (item is Block or Parameter) found[$"{name}.{i}"] = item;
                        i++;
                    }
                    break;
            }
        }
        return found;
    }

    private bool IsRegistered(object value) => value switch
    {
        Block b => KeyOfChild(b) is not null,
        Parameter p => KeyOf(_params, p) is not null,
        _ => false,
    };

    /// <summary>Puts <paramref name="value"/> where <paramref name="old"/> was registered, under its key and at its place; false when they differ in kind or old was not registered.</summary>
    private bool ReplaceInPlace(object old, object value)
    {
        if (old is Block ob && value is Block nb && KeyOfChild(ob) is { } childKey)
        {
            if (nb.Contains(this)) return false;
            SwapChild(childKey, ob, nb);
            return true;
        }
        if (old is Parameter op && value is Parameter np && KeyOf(_params, op) is { } paramKey)
        {
            _params[paramKey] = np;
            if (ReferenceEquals(op.Owner, this)) op.Owner = null;
            np.Owner ??= this;
            return true;
        }
        return false;
    }

    /// <summary>Removes a block or parameter that no field holds any more (nothing if it was not registered).</summary>
    private void Unregister(object old)
    {
        if (old is Block b && KeyOfChild(b) is { } childKey)
        {
            _children.Remove(childKey);
            Release(b);
        }
        else if (old is Parameter p && KeyOf(_params, p) is { } paramKey)
        {
            _params.Remove(paramKey);
            if (ReferenceEquals(p.Owner, this)) p.Owner = null;
        }
    }

    private string? KeyOfChild(Block b) => KeyOf(_children, b);

    private static string? KeyOf<T>(OrderedDictionary<string, T> entries, T value) where T : class
    {
        foreach (var (key, v) in entries) if (ReferenceEquals(v, value)) return key;
        return null;
    }

    private void RegisterFieldValue(string name, object value)
    {
        if (_children.ContainsKey(name) || _params.ContainsKey(name))
            throw new ArgumentException(
                $"{GetType().Name} keeps a {value.GetType().Name} in its field '{name}', but it already has a different child or parameter named '{name}' " +
                "(declared with AddChild/AddParameter, or held by another field). Rename the field or the declared one, so that each is trained under its own name.");
        if (value is Block b)
        {
            if (b.Contains(this)) return;   // a field pointing back up the tree (a parent kept for convenience) is not a child
            _children.Add(name, b);
            Adopt(name, b);
        }
        else if (value is Parameter p)
        {
            _params.Add(name, p);
            p.Owner ??= this;
        }
    }

    /// <summary>Whether a field of <paramref name="type"/> is an array or collection of blocks or parameters (not of numbers or tensors).</summary>
    private static bool HoldsBlocksOrParameters(Type type)
    {
        static bool Element(Type? t) => t is not null && (typeof(Block).IsAssignableFrom(t) || t == typeof(Parameter));
        if (type.IsArray) return Element(type.GetElementType());
        return type.GetInterfaces().Append(type)
            .Any(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IEnumerable<>) && Element(i.GetGenericArguments()[0]));
    }

    /// <summary>The instance fields declared by the block's own classes (not by <see cref="Block"/>).</summary>
    private static IEnumerable<FieldInfo> OwnFields(Type type)
    {
        for (var t = type; t is not null && t != typeof(Block); t = t.BaseType)
            foreach (var f in t.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
                yield return f;
    }

    /// <summary><c>&lt;Hidden&gt;k__BackingField</c> → <c>hidden</c>; <c>_output</c> → <c>output</c>.</summary>
    private static string FieldName(FieldInfo field)
    {
        string name = field.Name;
        if (name.StartsWith('<') && name.IndexOf('>') is > 1 and var end) name = name[1..end];
        name = name.TrimStart('_');
        return name.Length == 0 ? field.Name : char.ToLowerInvariant(name[0]) + name[1..];
    }

    /// <summary>
    /// A deep copy: same structure and configuration, its own parameters (filled or not, in the same state), sharing
    /// preserved inside the copy. Fields that hold blocks or parameters (or arrays and lists of them) point at the
    /// copy's own. An unfilled copy fills independently of the original.
    /// </summary>
    public Block Clone()
    {
        RegisterFieldsAgain();
        return CloneWith(new Dictionary<object, object>(ReferenceEqualityComparer.Instance));
    }

    private Block CloneWith(Dictionary<object, object> copies)
    {
        if (copies.TryGetValue(this, out var done)) return (Block)done;
        RegisterFieldsAgain();
        var copy = (Block)MemberwiseClone();
        copies[this] = copy;
        copy._parent = null;
        copy._params = new(StringComparer.Ordinal);
        foreach (var (name, p) in _params)
        {
            var pc = p.CloneWith(copies);
            if (ReferenceEquals(p.Owner, this)) pc.Owner = copy;
            copy._params.Add(name, pc);
        }
        copy._children = new(StringComparer.Ordinal);
        foreach (var (name, child) in _children)
        {
            var cc = child.CloneWith(copies);
            if (ReferenceEquals(child._parent, this)) (cc._parent, cc._nameInParent) = (copy, name);
            copy._children.Add(name, cc);
        }
        foreach (var field in OwnFields(GetType()))
            if (Remap(field.GetValue(this), copies) is { } mapped) field.SetValue(copy, mapped);
        return copy;
    }

    /// <summary>The copy of a block, a parameter, or an array or list of them; null for anything else (kept as copied).</summary>
    private static object? Remap(object? value, Dictionary<object, object> copies)
    {
        switch (value)
        {
            case Block b: return b.CloneWith(copies);
            case Parameter p: return p.CloneWith(copies);
            case Array a when typeof(Block).IsAssignableFrom(a.GetType().GetElementType()) || a.GetType().GetElementType() == typeof(Parameter):
                var array = Array.CreateInstance(a.GetType().GetElementType()!, a.Length);
                for (int i = 0; i < a.Length; i++) array.SetValue(Remap(a.GetValue(i), copies) ?? a.GetValue(i), i);
                return array;
            case IList list when value.GetType().IsGenericType && value.GetType().GetGenericTypeDefinition() == typeof(List<>)
                                 && value.GetType().GetGenericArguments()[0] is var e && (typeof(Block).IsAssignableFrom(e) || e == typeof(Parameter)):
                var copy = (IList)Activator.CreateInstance(value.GetType())!;
                foreach (var item in list) copy.Add(Remap(item, copies) ?? item);
                return copy;
            default: return null;
        }
    }
}
