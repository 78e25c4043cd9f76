// Runs a parsed template against a context, with jinja2's scoping rules: {% for %} bodies,
// macros and {% with %} get their own scope (hence namespace() for state that must outlive an
// iteration); {% if %} does not. Output and work are bounded so hostile templates fail with
// a clear error instead of exhausting memory or the stack.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "chat/jinja/ast.h"
#include "chat/jinja/parser.h"
#include "chat/jinja/value.h"

namespace edgeseek::jinja {

// Swaps a slot (current scope, output buffer, flag) for the lifetime of the object.
template <class T>
class Swap {
public:
    Swap(T& slot, T value) : slot_(slot), saved_(std::move(slot)) { slot_ = std::move(value); }
    ~Swap() { slot_ = std::move(saved_); }
    Swap(const Swap&) = delete;
    Swap& operator=(const Swap&) = delete;

private:
    T& slot_;
    T saved_;
};

struct RenderLimits {
    size_t max_output_bytes = size_t{64} << 20;   // the rendered prompt
    size_t max_string_bytes = size_t{64} << 20;   // any one string value
    uint64_t max_work_bytes = uint64_t{1} << 31;   // all strings built during one render
    uint64_t max_iterations = 10'000'000;          // loop iterations and filter steps
    int max_depth = 400;                           // nested evaluation (macro recursion, ...)
};

struct Scope {
    explicit Scope(std::shared_ptr<Scope> p) : parent(std::move(p)) {}
    const Value* find(const std::string& name) const;
    std::shared_ptr<Scope> parent;
    std::unordered_map<std::string, Value> vars;
};
using ScopePtr = std::shared_ptr<Scope>;

class MacroObject;
class LoopObject;

class Evaluator {
public:
    Evaluator(const Program& program, const RenderLimits& limits);
    ~Evaluator();
    Evaluator(const Evaluator&) = delete;
    Evaluator& operator=(const Evaluator&) = delete;

    // Renders with `context` as the template's variables (over the globals).
    std::string render(DictData context);

    // ---- services for builtins and objects ----
    Value call(const Value& callee, CallArgs& args);
    void charge(size_t bytes);             // a string of this size is being built
    void count_steps(uint64_t n);          // loop iterations / filter work
    std::shared_ptr<Namespace> new_namespace();
    Value call_macro(const MacroObject& macro, CallArgs& args);
    Value loop_again(const LoopObject& loop, const Value& iterable);  // loop(...) in recursive loops

private:
    enum class Flow { Normal, Break, Continue };

    // Bounds recursion: every nested statement, expression and call takes one level.
    struct Depth {
        Depth(Evaluator& ev, uint32_t pos) : ev_(ev) {
            if (++ev_.depth_ > ev_.limits_.max_depth) ev_.too_deep(pos);
        }
        ~Depth() { --ev_.depth_; }
        Evaluator& ev_;
    };
    [[noreturn]] void too_deep(uint32_t pos) const;

    // statements (evaluator.cpp)
    Flow exec_body(const Body& body);
    Flow exec(const Stmt& s);
    void exec_output(const OutputStmt& s);
    Flow exec_for(const ForStmt& s);
    // Runs the loop body over items; appends to the current output. Returns the flow of the
    // else-branch (a break there leaves the enclosing loop).
    Flow run_loop(const ForStmt& s, std::vector<Value> items, int depth0);
    void exec_set(const SetStmt& s);
    void exec_set_block(const SetBlockStmt& s);
    void exec_call_block(const CallBlockStmt& s);
    void exec_with(const WithStmt& s);
    void assign(const Expr& target, const Value& value);
    std::string capture(const Body& body);
    void emit(const std::string& text);

    // expressions (expressions.cpp)
    Value eval(const Expr& e);
    Value eval_inner(const Expr& e);
    Value eval_folded(const Expr& e);
    Value eval_name(const NameExpr& e);
    Value eval_getitem(const GetitemExpr& e);
    Value eval_call(const CallExpr& e, const Value* caller = nullptr);
    CallArgs eval_args(const ArgList& a);
    Value eval_filter(const FilterExpr& e, const Value* block_input);
    Value eval_test(const TestExpr& e);
    Value eval_compare(const CompareExpr& e);
    Value eval_binary(const BinaryExpr& e);
    Value eval_concat(const ConcatExpr& e);
    Value eval_cond(const CondExpr& e);
    Value eval_sequence(const SequenceExpr& e);
    Value eval_dict(const DictExpr& e);

    [[noreturn]] void rethrow_at(uint32_t pos, const TemplateFault& f) const;

    const Program& program_;
    RenderLimits limits_;
    ScopePtr globals_, root_, scope_;
    std::string* out_ = nullptr;
    size_t output_total_ = 0;
    uint64_t work_ = 0, steps_ = 0;
    int depth_ = 0;
    // jinja2 folds constant expressions at compile time; there a failing slice of a literal
    // gives an undefined value instead of an error (see eval_folded).
    bool folding_ = false;
    // Every namespace of this render, kept alive until the end and then emptied: this breaks
    // reference cycles (ns.x = [ns]) and keeps long chains from being destroyed recursively.
    std::vector<std::shared_ptr<Namespace>> namespaces_;
};

class MacroObject : public Object {
public:
    MacroObject(const MacroDef& def, std::weak_ptr<Scope> closure)
        : def(def), closure(std::move(closure)) {}
    std::string type_name() const override { return "Macro"; }
    std::string repr() const override { return "<Macro '" + def.name + "'>"; }
    std::optional<Value> get_attr(std::string_view name) const override;
    bool callable() const override { return true; }
    Value call(Evaluator& ev, CallArgs& args) override { return ev.call_macro(*this, args); }

    const MacroDef& def;
    std::weak_ptr<Scope> closure;  // the scope the macro was defined in
};

// The `loop` variable of {% for %}.
class LoopObject : public Object {
public:
    std::string type_name() const override { return "LoopContext"; }
    std::string repr() const override;
    std::optional<Value> get_attr(std::string_view name) const override;
    bool callable() const override { return stmt && stmt->recursive; }
    Value call(Evaluator& ev, CallArgs& args) override;

    const ForStmt* stmt = nullptr;
    std::shared_ptr<const std::vector<Value>> items;
    size_t index0 = 0;
    int depth0 = 0;
    std::weak_ptr<Scope> scope;       // where the for statement runs (for recursion)
    std::optional<std::vector<Value>> last_changed;
};

}  // namespace edgeseek::jinja
