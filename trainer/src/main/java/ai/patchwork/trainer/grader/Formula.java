package ai.patchwork.trainer.grader;

import ai.patchwork.trainer.TrainerException;
import com.ezylang.evalex.BaseException;
import com.ezylang.evalex.Expression;
import com.ezylang.evalex.config.ExpressionConfiguration;
import com.ezylang.evalex.config.MapBasedFunctionDictionary;
import com.ezylang.evalex.config.MapBasedOperatorDictionary;
import com.ezylang.evalex.data.EvaluationValue;
import com.ezylang.evalex.functions.AbstractFunction;
import com.ezylang.evalex.functions.FunctionParameter;
import com.ezylang.evalex.functions.basic.AbsFunction;
import com.ezylang.evalex.functions.basic.CeilingFunction;
import com.ezylang.evalex.functions.basic.FloorFunction;
import com.ezylang.evalex.functions.basic.LogFunction;
import com.ezylang.evalex.functions.basic.MaxFunction;
import com.ezylang.evalex.functions.basic.MinFunction;
import com.ezylang.evalex.functions.basic.SqrtFunction;
import com.ezylang.evalex.operators.OperatorIfc;
import com.ezylang.evalex.operators.arithmetic.InfixDivisionOperator;
import com.ezylang.evalex.operators.arithmetic.InfixMinusOperator;
import com.ezylang.evalex.operators.arithmetic.InfixMultiplicationOperator;
import com.ezylang.evalex.operators.arithmetic.InfixPlusOperator;
import com.ezylang.evalex.operators.arithmetic.InfixPowerOfOperator;
import com.ezylang.evalex.operators.arithmetic.PrefixMinusOperator;
import com.ezylang.evalex.operators.arithmetic.PrefixPlusOperator;
import com.ezylang.evalex.parser.Token;
import java.math.BigDecimal;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * A {@code multi} grader's {@code calculate_output}: numbers, the sub-graders' names as variables, parentheses,
 * {@code + - * / ^} and the functions {@code min max abs floor ceil exp sqrt log} (natural logarithm; {@code min} and
 * {@code max} take any number of arguments). Parsed and evaluated by EvalEx restricted to exactly these, with
 * {@code ^} binding tighter than a unary minus ({@code -2^2} is -4, as in Python). Names are matched ignoring case,
 * as EvalEx does; there are no constants ({@code e} or {@code pi} are names like any other). Immutable; each
 * evaluation builds its own EvalEx expression, so one formula can be evaluated from many threads.
 */
final class Formula {
    private static final ExpressionConfiguration CONFIG = ExpressionConfiguration.builder()
            .operatorDictionary(MapBasedOperatorDictionary.ofOperators(
                    Map.entry("+", new InfixPlusOperator()),
                    Map.entry("-", new InfixMinusOperator()),
                    Map.entry("*", new InfixMultiplicationOperator()),
                    Map.entry("/", new InfixDivisionOperator()),
                    Map.entry("^", new InfixPowerOfOperator()),
                    Map.entry("+", new PrefixPlusOperator()),
                    Map.entry("-", new PrefixMinusOperator())))
            .functionDictionary(MapBasedFunctionDictionary.ofFunctions(
                    Map.entry("min", new MinFunction()), Map.entry("max", new MaxFunction()),
                    Map.entry("abs", new AbsFunction()), Map.entry("floor", new FloorFunction()),
                    Map.entry("ceil", new CeilingFunction()), Map.entry("exp", new ExpFunction()),
                    Map.entry("sqrt", new SqrtFunction()), Map.entry("log", new LogFunction())))
            .defaultConstants(Map.of())
            .powerOfPrecedence(OperatorIfc.OPERATOR_PRECEDENCE_POWER_HIGHER)
            .arraysAllowed(false)
            .structuresAllowed(false)
            .implicitMultiplicationAllowed(false)
            .singleQuoteStringLiteralsAllowed(false)
            .build();

    private final String text;

    private Formula(String text) {
        this.text = text;
    }

    /**
     * Parses {@code text} and checks that it uses only {@code names} as variables and gives a number; anything else is
     * a 400 naming {@code param}.
     */
    static Formula parse(String text, Set<String> names, String param) {
        Set<String> known = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);
        known.addAll(names);
        Expression expression = new Expression(text, CONFIG);
        try {
            expression.validate();
            for (String variable : expression.getUsedVariables()) {
                if (!known.contains(variable)) {
                    throw TrainerException.invalid(
                            param,
                            GraderFields.CODE,
                            "calculate_output uses '" + variable + "', which is not one of the graders ("
                                    + String.join(", ", names) + ")");
                }
            }
        } catch (BaseException e) {
            throw TrainerException.invalid(
                    param,
                    GraderFields.CODE,
                    "calculate_output '" + text + "' cannot be parsed: "
                            + e.getMessage()
                            + " (use numbers, the graders' names, + - * / ^, parentheses and min max abs floor ceil "
                            + "exp sqrt log)");
        }
        Formula formula = new Formula(text);
        try {
            for (String name : names) expression.with(name, BigDecimal.ONE);
            if (!expression.evaluate().isNumberValue()) {
                throw TrainerException.invalid(param, GraderFields.CODE, "calculate_output must give a number");
            }
        } catch (BaseException | ArithmeticException e) {
            // the formula is well-formed; whether it divides by zero depends on the rewards
        }
        return formula;
    }

    /**
     * The formula's value for the sub-graders' rewards.
     *
     * @throws ArithmeticException when it cannot be evaluated, e.g. divides by zero or takes log(0)
     */
    double evaluate(Map<String, Double> rewards) {
        Expression expression = new Expression(text, CONFIG);
        rewards.forEach((name, reward) -> expression.with(name, BigDecimal.valueOf(reward)));
        try {
            EvaluationValue value = expression.evaluate();
            if (!value.isNumberValue()) throw new ArithmeticException("calculate_output gave " + value.getValue());
            return value.getNumberValue().doubleValue();
        } catch (BaseException e) {
            throw new ArithmeticException(e.getMessage());
        }
    }

    @Override
    public String toString() {
        return text;
    }

    /** {@code exp(x)}, which EvalEx does not define. */
    @FunctionParameter(name = "value")
    static final class ExpFunction extends AbstractFunction {
        @Override
        public EvaluationValue evaluate(Expression expression, Token functionToken, EvaluationValue... parameters) {
            double result = Math.exp(parameters[0].getNumberValue().doubleValue());
            if (!Double.isFinite(result)) throw new ArithmeticException("exp overflows");
            return expression.convertDoubleValue(result);
        }
    }
}
