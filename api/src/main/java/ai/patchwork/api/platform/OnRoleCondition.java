package ai.patchwork.api.platform;

import java.util.EnumSet;
import java.util.Set;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.Condition;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.core.type.AnnotatedTypeMetadata;

/** Matches when {@code patchwork.roles} (default: every role) includes {@link ConditionalOnRole#value()}. */
class OnRoleCondition implements Condition {

    static Set<Role> roles(Binder binder) {
        return binder.bind("patchwork.roles", Bindable.setOf(Role.class)).orElse(EnumSet.allOf(Role.class));
    }

    @Override
    public boolean matches(ConditionContext context, AnnotatedTypeMetadata metadata) {
        var attrs = metadata.getAnnotationAttributes(ConditionalOnRole.class.getName());
        Role role = (Role) attrs.get("value");
        return roles(Binder.get(context.getEnvironment())).contains(role);
    }
}
